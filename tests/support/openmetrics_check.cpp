#include "support/openmetrics_check.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "support/metric_text.hpp"

namespace spe::test {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::size_t name_length(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && is_metric_name_char(text[n], n == 0)) ++n;
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
      if (le == labels.end() || !canonical_number(le->second))
        return problem("bucket without a canonical le: " + line);
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

}  // namespace

std::vector<std::string> openmetrics_problems(const std::string& text) { return OpenMetricsChecker().check(text); }

}  // namespace spe::test
