#include "support/jump_bed.hpp"

#include "support/probe_bed.hpp"

namespace spe::test {
namespace {

std::string bed_config(const TestSshd& target, const TestSshd& bastion, const TestSshd& bastion2,
                       const TestSshd& no_forward, const TestSshd& permit_open) {
  const std::string timeout = "timeout = \"10s\"\n";
  std::string text;
  text += jump_host_table(bastion, "bastion");
  text += jump_host_table(bastion2, "bastion2");
  text += jump_host_table(no_forward, "no_forward");
  text += jump_host_table(permit_open, "permit_open");
  text += jump_host_table(bastion, "bastion_cert", HopLogin::certificate);
  if (bastion.has_password()) text += jump_host_table(bastion, "bastion_password", HopLogin::password);
  text += jump_host_table(bastion, "bastion_wrong_key", HopLogin::key, bastion.wrong_known_hosts_path());
  text += jump_host_table(bastion, "bastion_denied", HopLogin::denied_key);
  text += jump_host_table(bastion2, "bastion2_via_bastion", HopLogin::key, "", "jump_hosts = [\"bastion\"]\n");

  text += jump_module(target, "via_bastion", {"bastion"}, timeout);
  text += jump_module(target, "two_hops", {"bastion", "bastion2"}, timeout);
  text += jump_module(target, "nested", {"bastion2_via_bastion"}, timeout);
  text += jump_module(target, "via_cert", {"bastion_cert"}, timeout);
  if (bastion.has_password()) text += jump_module(target, "via_password", {"bastion_password"}, timeout);
  text += jump_module(target, "bastion_wrong_key", {"bastion_wrong_key"}, timeout);
  text += "[modules.target_wrong_key]\nuser = " + toml_string(target.user()) +
          "\nprivate_key = " + toml_string(target.key_path()) +
          "\nknown_hosts = " + toml_string(target.wrong_known_hosts_path()) + "\njump_hosts = [\"bastion\"]\n" +
          timeout + "\n";
  text += jump_module(target, "no_forward", {"no_forward"}, timeout);
  text += jump_module(target, "permit_open", {"permit_open"}, timeout);
  text += jump_module(target, "stop_at_host_key", {"bastion_wrong_key", "bastion2"}, timeout);
  text += jump_module(target, "stop_at_auth", {"bastion_denied", "bastion2"}, timeout);
  text += jump_module(target, "stop_at_forward", {"no_forward", "bastion2"}, timeout);
  const auto big = [&](const std::string& name, std::size_t bytes, std::size_t cap) {
    return jump_module(target, name, {"bastion"},
                       "timeout = \"30s\"\n[[modules." + name + ".commands]]\nname = \"big\"\ncommand = \"head -c " +
                           std::to_string(bytes) +
                           " /dev/zero | tr '\\\\0' x; echo END\"\nmax_output_bytes = " + std::to_string(cap) + "\n");
  };
  text += big("large_output", JumpBed::kLargeOutputBytes, 16 << 20);
  text += big("large_output_cut", 20'000'000, 1 << 20);
  text +=
      "[modules.adversarial]\nuser = \"probe\"\npassword = \"never-sent-to-an-unverified-host\"\n"
      "insecure_ignore_host_key = true\njump_hosts = [\"bastion\"]\ntimeout = \"" +
      std::to_string(JumpBed::adversarial_timeout().count()) + "ms\"\n\n";
  return text;
}

}  // namespace

JumpBed& JumpBed::shared() {
  static JumpBed bed;
  return bed;
}

JumpBed::JumpBed()
    : target_(TestSshd::shared()),
      bastion_(TestSshd::start_separate(kForwarding)),
      bastion2_(TestSshd::start_separate(kForwarding)),
      no_forward_(TestSshd::start_separate()),
      permit_open_(TestSshd::start_separate({"AllowTcpForwarding local", "PermitOpen 127.0.0.1:1"})) {}

ExporterProcess& JumpBed::exporter() {
  if (!exporter_) {
    const auto config = dir_.path() / "exporter.toml";
    write_file(config, bed_config(target_, *bastion_, *bastion2_, *no_forward_, *permit_open_));
    exporter_ = std::make_unique<ExporterProcess>(config.string());
  }
  return *exporter_;
}

HttpResponse JumpBed::probe(const std::string& module, const std::string& target, bool debug) {
  const std::string where = target.empty() ? target_.target() : target;
  return http_get(exporter().port(), "/probe?target=" + where + "&module=" + module + (debug ? "&debug=true" : ""));
}

}  // namespace spe::test
