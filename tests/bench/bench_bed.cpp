#include "bench/bench_bed.hpp"

#include "support/metric_text.hpp"
#include "support/probe_bed.hpp"

namespace spe::bench {

ProbeOutcome read_outcome(const Answer& answer) {
  ProbeOutcome outcome;
  if (answer.status != 200) return outcome;
  const auto success = test::metric_value(answer.body, "probe_success");
  if (!success) return outcome;
  outcome.answered = true;
  outcome.success = *success == 1;
  outcome.reason = test::failure_reason_of(answer.body);
  outcome.duration_seconds = test::metric_value(answer.body, "probe_duration_seconds").value_or(0);
  outcome.timeout_seconds = test::metric_value(answer.body, "probe_timeout_seconds").value_or(0);
  for (const auto& sample : test::parse_samples(answer.body)) {
    if (sample.name == "probe_ssh_duration_seconds" && sample.labels.contains("phase")) {
      outcome.phase_seconds[sample.labels.at("phase")] = sample.value;
    } else if (sample.name == "probe_ssh_hop_duration_seconds" && sample.labels.contains("hop") &&
               sample.labels.contains("phase")) {
      outcome.phase_seconds[sample.labels.at("hop") + " " + sample.labels.at("phase")] = sample.value;
    } else if (sample.name == "probe_ssh_hop_success") {
      ++outcome.hops;
      if (sample.value == 1) ++outcome.hops_passed;
    }
  }
  return outcome;
}

BenchBed::BenchBed(BenchOptions options) : options_(options), sshd_(test::TestSshd::shared()) {}

std::string BenchBed::login_module(std::string_view name, std::string_view known_hosts, std::string_view user,
                                   std::string_view key) {
  using test::toml_string;
  return "[modules." + std::string(name) + "]\n" + "user = " + toml_string(user.empty() ? sshd_.user() : user) + "\n" +
         "private_key = " + toml_string(key.empty() ? sshd_.key_path() : key) + "\n" +
         "known_hosts = " + toml_string(known_hosts.empty() ? sshd_.known_hosts_path() : known_hosts) + "\n" +
         "timeout = \"10s\"\n"
         "command = \"true\"\n\n";
}

std::string BenchBed::adversarial_module(std::string_view name, std::string_view timeout, std::string_view extra) {
  return "[modules." + std::string(name) + "]\n" +
         "user = \"probe\"\n"
         "password = \"never-sent-to-an-unverified-host\"\n"
         "insecure_ignore_host_key = true\n"
         "timeout = " +
         test::toml_string(timeout) + "\n" + std::string(extra) + "\n";
}

std::unique_ptr<test::ExporterProcess> BenchBed::start_exporter(std::string_view file_name, std::string_view config) {
  const auto path = dir() / file_name;
  test::write_file(path, config);
  return std::make_unique<test::ExporterProcess>(path.string(), std::vector<std::string>{"--log.level", "info"});
}

std::string BenchBed::probe_path(std::string_view module, std::string_view target) const {
  return "/probe?module=" + std::string(module) + "&target=" + std::string(target.empty() ? sshd_.target() : target);
}

}  // namespace spe::bench
