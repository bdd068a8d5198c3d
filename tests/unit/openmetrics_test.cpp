// The OpenMetrics 1.0 text writer. promtool 2.42's `check metrics` reads only the Prometheus text
// format, so OpenMetrics output is checked twice here: against the rules of the specification's
// "Text format" section by a checker in this file, and by Prometheus' own OpenMetrics parser, which
// promtool runs for `tsdb create-blocks-from openmetrics` (that command wants timestamps, so they
// are appended to every sample first).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "metric_model/exposition.hpp"
#include "metric_model/model.hpp"
#include "metrics/exporter_metrics.hpp"
#include "metrics/from_report.hpp"
#include "metrics/process.hpp"
#include "parse/output.hpp"
#include "probe/report.hpp"

using namespace spe::metrics;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

std::size_t name_length(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && is_name_char(text[n], n == 0)) ++n;
  return n;
}

// An escaped-string body: backslash only before \, n or "; no raw quote or newline.
bool valid_escaped(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"' || text[i] == '\n') return false;
    if (text[i] == '\\') {
      if (i + 1 == text.size() || (text[i + 1] != '\\' && text[i + 1] != 'n' && text[i + 1] != '"')) return false;
      ++i;
    }
  }
  return true;
}

bool valid_number(std::string_view text) {
  if (text == "+Inf" || text == "-Inf" || text == "NaN") return true;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size() && text.find_first_of("iInN") == std::string_view::npos;
}

// Canonical numbers: "+Inf", or a float with a point or an exponent.
bool canonical_number(std::string_view text) {
  return text == "+Inf" || (valid_number(text) && text.find_first_of(".e") != std::string_view::npos);
}

const std::map<std::string, std::vector<std::string>> kSuffixes = {
    {"counter", {"_total", "_created"}},
    {"gauge", {""}},
    {"unknown", {""}},
    {"stateset", {""}},
    {"info", {"_info"}},
    {"histogram", {"_bucket", "_count", "_sum", "_created"}},
    {"gaugehistogram", {"_bucket", "_gcount", "_gsum"}},
    {"summary", {"", "_count", "_sum", "_created"}},
};

struct Family {
  std::string type = "unknown";
  bool has_unit = false;
  bool has_help = false;
  bool has_samples = false;
  std::map<std::string, double> inf_bucket;  // by the rest of the label set
  std::map<std::string, double> count;
  std::map<std::string, double> last_le;
};

// Every violation of the OpenMetrics 1.0 text format rules found in `text`, one message each.
class OpenMetricsChecker {
 public:
  std::vector<std::string> check(const std::string& text) {
    if (!text.ends_with("# EOF\n")) problem("the exposition does not end with \"# EOF\\n\"");
    std::istringstream lines(text);
    std::string line;
    bool eof_seen = false;
    while (std::getline(lines, line)) {
      ++line_number_;
      if (eof_seen) problem("a line after # EOF");
      if (line == "# EOF") {
        eof_seen = true;
        continue;
      }
      if (line.empty() || line.find('\r') != std::string::npos) problem("an empty line or a carriage return");
      if (line.starts_with("#")) {
        metadata(line);
      } else {
        sample(line);
      }
    }
    for (const auto& [name, family] : families_) finish(name, family);
    return problems_;
  }

 private:
  void problem(const std::string& what) { problems_.push_back("line " + std::to_string(line_number_) + ": " + what); }

  void metadata(const std::string& line) {
    std::istringstream in(line);
    std::string hash, kind, name;
    in >> hash >> kind >> name;
    const std::string rest = line.size() > hash.size() + kind.size() + name.size() + 3
                                 ? line.substr(hash.size() + kind.size() + name.size() + 3)
                                 : "";
    if (hash != "#" || name.empty() || name_length(name) != name.size()) return problem("malformed metadata: " + line);
    const bool new_family = current_ != name;
    if (new_family) {
      if (families_.contains(name)) return problem("family " + name + " is interleaved or repeated");
      families_[name];
      current_ = name;
    }
    Family& family = families_[name];
    if (family.has_samples) problem("metadata after samples of " + name);
    if (kind == "TYPE") {
      if (!new_family) problem("TYPE is not the first metadata line of " + name);
      if (!kSuffixes.contains(rest)) problem("unknown type " + rest);
      family.type = rest;
    } else if (kind == "UNIT") {
      if (family.has_help) problem("UNIT after HELP for " + name);
      if (rest.empty() || !name.ends_with("_" + rest)) problem("UNIT " + rest + " is not a suffix of " + name);
      family.has_unit = true;
    } else if (kind == "HELP") {
      if (family.has_help) problem("two HELP lines for " + name);
      if (!valid_escaped(rest)) problem("HELP text is not escaped: " + rest);
      family.has_help = true;
    } else {
      problem("a comment that is not TYPE, UNIT, HELP or EOF: " + line);
    }
  }

  // The family `sample_name` belongs to and the suffix it carries, given the current family.
  bool belongs(const std::string& sample_name, std::string& suffix) const {
    if (current_.empty() || !sample_name.starts_with(current_)) return false;
    suffix = sample_name.substr(current_.size());
    const auto& allowed = kSuffixes.at(families_.at(current_).type);
    return std::find(allowed.begin(), allowed.end(), suffix) != allowed.end();
  }

  void sample(const std::string& line) {
    const std::size_t n = name_length(line);
    const std::string name = line.substr(0, n);
    std::string suffix;
    if (n == 0 || !belongs(name, suffix)) return problem("sample " + name + " outside a family that allows it");
    Family& family = families_[current_];
    family.has_samples = true;
    std::string_view rest = std::string_view(line).substr(n);
    std::map<std::string, std::string> labels;
    if (rest.starts_with("{")) {
      const auto close = parse_labels(rest, labels);
      if (close == std::string_view::npos) return problem("malformed labels: " + line);
      rest.remove_prefix(close + 1);
    }
    if (!rest.starts_with(" ") || !valid_number(rest.substr(1))) return problem("malformed value: " + line);
    double value = 0;
    const std::string_view number = rest.substr(1);
    if (number == "+Inf") {
      value = kInf;
    } else if (number != "NaN" && number != "-Inf") {
      std::from_chars(number.data(), number.data() + number.size(), value);
    }
    typed_rules(family, suffix, labels, value, line);
  }

  // Parses {a="x",b="y"} at the start of `text`; the position of the '}' or npos.
  static std::size_t parse_labels(std::string_view text, std::map<std::string, std::string>& labels) {
    std::size_t i = 1;
    while (i < text.size() && text[i] != '}') {
      const std::size_t n = name_length(text.substr(i));
      if (n == 0 || text.substr(i + n, 2) != "=\"") return std::string_view::npos;
      const std::string label(text.substr(i, n));
      std::size_t j = i + n + 2;
      while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
      if (j >= text.size() || !valid_escaped(text.substr(i + n + 2, j - i - n - 2))) return std::string_view::npos;
      if (labels.contains(label)) return std::string_view::npos;
      labels[label] = std::string(text.substr(i + n + 2, j - i - n - 2));
      i = j + 1;
      if (i < text.size() && text[i] == ',') ++i;
    }
    return i < text.size() ? i : std::string_view::npos;
  }

  static std::string others(std::map<std::string, std::string> labels, const std::string& without) {
    labels.erase(without);
    std::string out;
    for (const auto& [name, value] : labels) out += name + "=" + value + ",";
    return out;
  }

  void typed_rules(Family& family, const std::string& suffix, const std::map<std::string, std::string>& labels,
                   double value, const std::string& line) {
    if (family.type == "counter" && suffix == "_total" && !(value >= 0)) problem("a counter total below 0 or NaN");
    if (family.type != "histogram") return;
    if (suffix == "_bucket") {
      const auto le = labels.find("le");
      if (le == labels.end() || !canonical_number(le->second)) return problem("bucket without a canonical le: " + line);
      double bound = kInf;
      if (le->second != "+Inf") std::from_chars(le->second.data(), le->second.data() + le->second.size(), bound);
      const std::string key = others(labels, "le");
      if (family.last_le.contains(key) && bound <= family.last_le[key]) problem("buckets not in increasing le order");
      family.last_le[key] = bound;
      if (bound == kInf) family.inf_bucket[key] = value;
    } else if (suffix == "_count") {
      family.count[others(labels, "")] = value;
    }
  }

  void finish(const std::string& name, const Family& family) {
    if (family.type != "histogram") return;
    for (const auto& [key, count] : family.count) {
      const auto inf = family.inf_bucket.find(key);
      if (inf == family.inf_bucket.end()) problem(name + " has no +Inf bucket for {" + key + "}");
      else if (inf->second != count) problem(name + "_count differs from its +Inf bucket");
    }
  }

  int line_number_ = 0;
  std::string current_;
  std::map<std::string, Family> families_;
  std::vector<std::string> problems_;
};

std::vector<std::string> openmetrics_problems(const std::string& text) { return OpenMetricsChecker().check(text); }

struct PromtoolRun {
  int exit_code = -1;
  std::string output;
};

// Prometheus' OpenMetrics parser over `text`, by way of promtool's backfill: every sample line
// gets the timestamp the command requires; the blocks it writes go to a scratch directory.
PromtoolRun promtool_parse_openmetrics(const std::string& text) {
  std::string pattern = (std::filesystem::temp_directory_path() / "spe-om-XXXXXX").string();
  const std::filesystem::path dir = ::mkdtemp(pattern.data());
  std::ostringstream stamped;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    stamped << line << (line.starts_with("#") ? "" : " 1700000000") << '\n';
  }
  std::ofstream(dir / "input.om") << stamped.str();
  const std::string command = "/usr/bin/promtool tsdb create-blocks-from openmetrics " + (dir / "input.om").string() +
                              " " + (dir / "blocks").string() + " >" + (dir / "output.txt").string() + " 2>&1";
  const int status = std::system(command.c_str());
  PromtoolRun run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, {}};
  std::ifstream in(dir / "output.txt");
  run.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  return run;
}

std::vector<MetricFamily> sample_families() {
  return {
      MetricFamily{"up_seconds", "A gauge with a unit.", MetricType::gauge, {Sample{{}, 1.5, {}}}},
      MetricFamily{"requests_total",
                   "A counter: \"quoted\", C:\\path,\nsecond line.",
                   MetricType::counter,
                   {Sample{{{"code", "200"}}, 3, {}}, Sample{{{"code", "say \"hi\"\n"}}, 0, {}}}},
      MetricFamily{"lat_seconds",
                   "A histogram.",
                   MetricType::histogram,
                   {Sample{{{"le", "0.005"}}, 0, "_bucket"}, Sample{{{"le", "1"}}, 1, "_bucket"},
                    Sample{{{"le", "100000"}}, 1, "_bucket"}, Sample{{{"le", "+Inf"}}, 2, "_bucket"},
                    Sample{{}, 0.75, "_sum"}, Sample{{}, 2, "_count"}}},
      MetricFamily{"odd", "Untyped.", MetricType::untyped, {Sample{{}, kNaN, {}}}},
      MetricFamily{"rpc_seconds",
                   "A summary.",
                   MetricType::summary,
                   {Sample{{{"quantile", "0.5"}}, 0.25, {}}, Sample{{{"quantile", "1"}}, 2, {}},
                    Sample{{}, 9.5, "_sum"}, Sample{{}, 12, "_count"}}},
      MetricFamily{"events", "A counter named without _total.", MetricType::counter, {Sample{{}, 7, {}}}},
      MetricFamily{"empty", "No samples.", MetricType::gauge, {}},
      MetricFamily{"quiet", "", MetricType::gauge, {Sample{{}, -kInf, {}}}},
  };
}

}  // namespace

TEST_CASE("OpenMetrics text: TYPE, UNIT, HELP, samples, counters as _total, canonical le and quantile, # EOF",
          "[unit][openmetrics]") {
  CHECK(write_openmetrics(sample_families()) ==
        "# TYPE up_seconds gauge\n"
        "# UNIT up_seconds seconds\n"
        "# HELP up_seconds A gauge with a unit.\n"
        "up_seconds 1.5\n"
        "# TYPE requests counter\n"
        "# HELP requests A counter: \\\"quoted\\\", C:\\\\path,\\nsecond line.\n"
        "requests_total{code=\"200\"} 3\n"
        "requests_total{code=\"say \\\"hi\\\"\\n\"} 0\n"
        "# TYPE lat_seconds histogram\n"
        "# UNIT lat_seconds seconds\n"
        "# HELP lat_seconds A histogram.\n"
        "lat_seconds_bucket{le=\"0.005\"} 0\n"
        "lat_seconds_bucket{le=\"1.0\"} 1\n"
        "lat_seconds_bucket{le=\"100000.0\"} 1\n"
        "lat_seconds_bucket{le=\"+Inf\"} 2\n"
        "lat_seconds_sum 0.75\n"
        "lat_seconds_count 2\n"
        "# TYPE odd unknown\n"
        "# HELP odd Untyped.\n"
        "odd NaN\n"
        "# TYPE rpc_seconds summary\n"
        "# UNIT rpc_seconds seconds\n"
        "# HELP rpc_seconds A summary.\n"
        "rpc_seconds{quantile=\"0.5\"} 0.25\n"
        "rpc_seconds{quantile=\"1.0\"} 2\n"
        "rpc_seconds_sum 9.5\n"
        "rpc_seconds_count 12\n"
        "# TYPE events counter\n"
        "# HELP events A counter named without _total.\n"
        "events_total 7\n"
        "# TYPE quiet gauge\n"
        "quiet -Inf\n"
        "# EOF\n");
}

TEST_CASE("an exposition without families is just # EOF", "[unit][openmetrics]") {
  CHECK(write_openmetrics({}) == "# EOF\n");
}

TEST_CASE("canonical numbers follow the specification's examples", "[unit][openmetrics]") {
  // "Considerations: Canonical Numbers" in the OpenMetrics 1.0 specification.
  const auto [value, expected] = GENERATE(table<double, std::string>({
      {0.0, "0.0"},       {0.001, "0.001"},   {0.002, "0.002"},   {0.01, "0.01"},     {0.1, "0.1"},
      {0.9, "0.9"},       {0.95, "0.95"},     {0.99, "0.99"},     {0.999, "0.999"},   {1.0, "1.0"},
      {1.7, "1.7"},       {10.0, "10.0"},     {1e-10, "1e-10"},   {1e-09, "1e-09"},   {1e-05, "1e-05"},
      {0.0001, "0.0001"}, {100000.0, "100000.0"}, {1e+06, "1e+06"}, {1e+10, "1e+10"}, {1e+23, "1e+23"},
      {1.1e+23, "1.1e+23"}, {2.5, "2.5"},     {60.0, "60.0"},     {kInf, "+Inf"},     {-kInf, "-Inf"},
      {-1.0, "-1.0"},
  }));
  CAPTURE(value);
  CHECK(format_canonical(value) == expected);
}

TEST_CASE("the specification checker finds what the rules forbid", "[unit][openmetrics]") {
  CHECK(openmetrics_problems("# TYPE a gauge\na 1\n# EOF\n").empty());
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\na 1\n").empty());                                // no EOF
  CHECK_FALSE(openmetrics_problems("# TYPE a counter\na 1\n# EOF\n").empty());                       // no _total
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\n# HELP a say \"x\"\na 1\n# EOF\n").empty());    // raw quote
  CHECK_FALSE(openmetrics_problems("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
                                   "h_count 1\n# EOF\n")
                  .empty());  // le not canonical
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\n# TYPE b gauge\n# TYPE a gauge\n# EOF\n").empty());  // repeated
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\n# UNIT a seconds\na 1\n# EOF\n").empty());  // unit not a suffix
}

TEST_CASE("OpenMetrics output of every kind of family keeps the specification's rules", "[unit][openmetrics]") {
  SECTION("hand-made families") {
    const auto problems = openmetrics_problems(write_openmetrics(sample_families()));
    CHECK(problems == std::vector<std::string>{});
  }
  SECTION("the exporter's own metrics, with probes observed") {
    ExporterMetrics metrics("0.1.0", "abc", "0.10.4");
    metrics.probe_started();
    metrics.probe_finished("default", true, 0.02);
    metrics.probe_finished("default", false, 7);
    metrics.request_rejected(spe::metrics::RejectReason::unknown_module);
    auto families = metrics.families();
    for (auto& family : process_families()) families.push_back(std::move(family));
    const std::string text = write_openmetrics(families);
    CHECK(openmetrics_problems(text) == std::vector<std::string>{});
    CHECK(text.find("# TYPE ssh_probe_exporter_probes counter\n") != std::string::npos);
    CHECK(text.find("ssh_probe_exporter_probes_total{module=\"default\",result=\"success\"} 1\n") != std::string::npos);
    CHECK(text.find("ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"1.0\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\n") != std::string::npos);
  }
  SECTION("a probe report") {
    const spe::ProbeReport report{};
    const auto problems = openmetrics_problems(write_openmetrics(families_from_report(report)));
    CHECK(problems == std::vector<std::string>{});
  }
}

TEST_CASE("Prometheus' OpenMetrics parser (via promtool) accepts the writer's output", "[unit][openmetrics]") {
  ExporterMetrics metrics("0.1.0", "abc", "0.10.4");
  metrics.probe_started();
  metrics.probe_finished("default", true, 0.02);
  auto families = metrics.families();
  for (auto& family : families_from_report(spe::ProbeReport{})) families.push_back(std::move(family));
  for (auto& family : sample_families()) families.push_back(std::move(family));
  const auto accepted = promtool_parse_openmetrics(write_openmetrics(families));
  INFO(accepted.output);
  CHECK(accepted.exit_code == 0);
  // The same parser refuses an exposition that lacks "# EOF", so the check above can fail.
  const auto refused = promtool_parse_openmetrics(write_text(families));
  INFO(refused.output);
  CHECK(refused.exit_code != 0);
}

TEST_CASE("passthrough text the parser accepts is valid OpenMetrics, with every sample", "[unit][openmetrics]") {
  // What a command with format = "prometheus" may print: every type, a counter with and without
  // _total, labelled histograms with signed and exponent bounds, NaN where OpenMetrics allows it,
  // and the _created gauges Python's prometheus_client writes beside counters, histograms and
  // summaries, which are dropped.
  const auto parsed = spe::parse_prometheus_text(
      "# TYPE jobs counter\njobs{q=\"a\"} 3\n# TYPE bytes_total counter\nbytes_total 0\n"
      "# TYPE bytes_created gauge\nbytes_created 1.7e+09\njobs_created{q=\"a\"} 1.7e+09\n"
      "# TYPE t gauge\nt NaN\nt_total 1\n"
      "# TYPE h_seconds histogram\n"
      "h_seconds_bucket{x=\"1\",le=\"-1\"} 0\nh_seconds_bucket{x=\"1\",le=\"+1\"} 2\n"
      "h_seconds_bucket{x=\"1\",le=\"1e3\"} 2\nh_seconds_bucket{x=\"1\",le=\"+Inf\"} 3\n"
      "h_seconds_sum{x=\"1\"} -0.5\nh_seconds_count{x=\"1\"} 3\nh_seconds_bucket{x=\"2\",le=\"+Inf\"} 0\n"
      "# TYPE s summary\ns{quantile=\"0\"} NaN\ns{quantile=\"1\"} 4\ns_sum 4\ns_count 1\n"
      "# TYPE h_seconds_created gauge\nh_seconds_created{x=\"1\"} 1.7e+09\ns_created 1.7e+09\n"
      "loose 1\n",
      "app_");
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed.has_value());
  const std::string text = write_text(parsed->families);
  const std::string openmetrics = write_openmetrics(parsed->families);
  INFO(openmetrics);
  CHECK(openmetrics_problems(openmetrics) == std::vector<std::string>{});
  const auto accepted = promtool_parse_openmetrics(openmetrics);
  INFO(accepted.output);
  CHECK(accepted.exit_code == 0);
  const auto sample_lines = [](const std::string& body) {
    std::size_t count = 0;
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);) count += line.starts_with('#') ? 0 : 1;
    return count;
  };
  CHECK(sample_lines(openmetrics) == sample_lines(text));
  CHECK(sample_lines(text) == 16);
  CHECK(parsed->notes.size() == 4);
}
