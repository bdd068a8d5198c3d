#include "metric_model/exposition.hpp"

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <locale>
#include <string>
#include <tuple>
#include <vector>

#include "metric_model/model.hpp"

using namespace spe::metrics;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

MetricFamily one_sample(std::string name, std::string help, Labels labels, double value) {
  return MetricFamily{std::move(name), std::move(help), MetricType::gauge, {Sample{std::move(labels), value, {}}}};
}

// A numpunct that would turn 1234567.5 into "1.234.567,5" if any formatting consulted it.
struct GermanPunct : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

struct GlobalLocaleGuard {
  std::locale saved = std::locale::global(std::locale(std::locale::classic(), new GermanPunct));
  ~GlobalLocaleGuard() { std::locale::global(saved); }
};

}  // namespace

TEST_CASE("families are written as HELP, TYPE and samples, in the order given", "[unit][metrics]") {
  const std::vector<MetricFamily> families = {
      MetricFamily{
          "zeta_seconds", "Last one alphabetically, written first.", MetricType::gauge, {Sample{{}, 1.5, {}}}},
      MetricFamily{"alpha_total",
                   "A counter.",
                   MetricType::counter,
                   {Sample{{{"b", "2"}, {"a", "1"}}, 3, {}}, Sample{{{"a", "0"}}, 0, {}}}},
      MetricFamily{"lat_seconds",
                   "A histogram.",
                   MetricType::histogram,
                   {Sample{{{"le", "0.5"}}, 1, "_bucket"}, Sample{{{"le", "+Inf"}}, 2, "_bucket"},
                    Sample{{}, 0.75, "_sum"}, Sample{{}, 2, "_count"}}},
      MetricFamily{"odd", "Untyped.", MetricType::untyped, {Sample{{}, -2, {}}}},
  };
  CHECK(write_text(families) ==
        "# HELP zeta_seconds Last one alphabetically, written first.\n"
        "# TYPE zeta_seconds gauge\n"
        "zeta_seconds 1.5\n"
        "# HELP alpha_total A counter.\n"
        "# TYPE alpha_total counter\n"
        "alpha_total{b=\"2\",a=\"1\"} 3\n"
        "alpha_total{a=\"0\"} 0\n"
        "# HELP lat_seconds A histogram.\n"
        "# TYPE lat_seconds histogram\n"
        "lat_seconds_bucket{le=\"0.5\"} 1\n"
        "lat_seconds_bucket{le=\"+Inf\"} 2\n"
        "lat_seconds_sum 0.75\n"
        "lat_seconds_count 2\n"
        "# HELP odd Untyped.\n"
        "# TYPE odd untyped\n"
        "odd -2\n");
}

TEST_CASE("families without samples are left out entirely", "[unit][metrics]") {
  const std::vector<MetricFamily> families = {
      gauge("empty", "No samples."),
      one_sample("full", "One sample.", {}, 1),
      gauge("also_empty", "No samples either."),
  };
  CHECK(write_text(families) == "# HELP full One sample.\n# TYPE full gauge\nfull 1\n");
  CHECK(write_text({}) == "");
}

TEST_CASE("label values escape quote, backslash and newline", "[unit][metrics]") {
  const auto [value, expected] = GENERATE(table<std::string, std::string>({
      {"plain", R"(m{l="plain"} 1)"},
      {"say \"hi\"", R"(m{l="say \"hi\""} 1)"},
      {"C:\\dir\\", R"(m{l="C:\\dir\\"} 1)"},
      {"two\nlines", R"(m{l="two\nlines"} 1)"},
      {"\\n is not a newline", R"(m{l="\\n is not a newline"} 1)"},
      {"tab\tand {braces}, commas", "m{l=\"tab\tand {braces}, commas\"} 1"},
      {"", R"(m{l=""} 1)"},
  }));
  CAPTURE(value);
  CHECK(write_text({one_sample("m", "h", {{"l", value}}, 1)}) == "# HELP m h\n# TYPE m gauge\n" + expected + "\n");
}

TEST_CASE("HELP escapes backslash and newline but keeps quotes", "[unit][metrics]") {
  const auto [help, expected] = GENERATE(table<std::string, std::string>({
      {"Plain help.", "# HELP m Plain help."},
      {"Path C:\\tmp", R"(# HELP m Path C:\\tmp)"},
      {"First line\nsecond line", R"(# HELP m First line\nsecond line)"},
      {"Say \"x\"", R"(# HELP m Say "x")"},
  }));
  CAPTURE(help);
  CHECK(write_text({one_sample("m", help, {}, 1)}) == expected + "\n# TYPE m gauge\nm 1\n");
}

TEST_CASE("values are NaN, +Inf, -Inf, exact integers or shortest round-trip decimals", "[unit][metrics]") {
  const auto [value, expected] = GENERATE(table<double, std::string>({
      {kNaN, "NaN"},
      {kInf, "+Inf"},
      {-kInf, "-Inf"},
      {0.0, "0"},
      {-0.0, "0"},
      {1.0, "1"},
      {-1.0, "-1"},
      {1700000000.0, "1700000000"},
      {9007199254740992.0, "9007199254740992"},
      {1e20, "1e+20"},
      {0.005, "0.005"},
      {0.1, "0.1"},
      {1.5, "1.5"},
      {-2.25, "-2.25"},
      {0.0005, "0.0005"},
      {0.0001, "0.0001"},
      {0.00005, "5e-05"},
      {-0.00005, "-5e-05"},
      {9007199254740994.0, "9.007199254740994e+15"},
      {1e-7, "1e-07"},
      {1234567.5, "1234567.5"},
      {123456789.125, "123456789.125"},
      {0.30000000000000004, "0.30000000000000004"},
  }));
  CAPTURE(value);
  CHECK(format_value(value) == expected);
  CHECK(write_text({one_sample("m", "h", {}, value)}) == "# HELP m h\n# TYPE m gauge\nm " + expected + "\n");
}

TEST_CASE("formatted values parse back to the same double", "[unit][metrics]") {
  const double value = GENERATE(0.1, 1.0 / 3.0, 2.5e-300, 6.02214076e23, 1e308, 1234.5678);
  const std::string text = format_value(value);
  double parsed = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  CAPTURE(value, text);
  REQUIRE(ec == std::errc());
  CHECK(ptr == text.data() + text.size());
  CHECK(parsed == value);
}

TEST_CASE("number formatting ignores the global locale", "[unit][metrics]") {
  const GlobalLocaleGuard guard;
  CHECK(format_value(1234567.5) == "1234567.5");
  CHECK(format_value(1700000000) == "1700000000");
  CHECK(write_text({one_sample("m", "h", {}, 0.25)}) == "# HELP m h\n# TYPE m gauge\nm 0.25\n");
}

TEST_CASE("sanitize_utf8 keeps valid UTF-8 and replaces each ill-formed subpart with U+FFFD", "[unit][metrics]") {
  const std::string r = "\xEF\xBF\xBD";
  const auto [input, expected] = GENERATE_REF(table<std::string, std::string>({
      {"", ""},
      {"SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1"},
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91"},
      {"\xEF\xBF\xBD", "\xEF\xBF\xBD"},
      {"\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"},                    // U+10FFFF, the last scalar
      {"a\x80z", "a" + r + "z"},                                   // lone continuation byte
      {"\xFF\xFE", r + r},                                         // never valid in UTF-8
      {"\xC0\xAF", r + r},                                         // overlong '/'
      {"\xC1\xBF", r + r},                                         // overlong, C1 lead
      {"\xE0\x80\xAF", r + r + r},                                 // overlong 3-byte
      {"\xF0\x80\x80\xAF", r + r + r + r},                         // overlong 4-byte
      {"\xED\xA0\x80", r + r + r},                                 // surrogate U+D800
      {"\xED\xBF\xBF", r + r + r},                                 // surrogate U+DFFF
      {"\xF4\x90\x80\x80", r + r + r + r},                         // above U+10FFFF
      {"\xF5\x80\x80\x80", r + r + r + r},                         // lead byte past F4
      {"x\xE2\x82", "x" + r},                                      // truncated at the end
      {std::string("\xE2\x82") + "A", r + "A"},                    // truncated, then ASCII
      {std::string("\xF0\x9F\x94") + "\xC3\xA9", r + "\xC3\xA9"},  // truncated, then valid
  }));
  CAPTURE(input);
  CHECK(sanitize_utf8(input) == expected);
}

TEST_CASE("a summary is written with its quantile, _sum and _count lines", "[unit][metrics]") {
  const std::vector<MetricFamily> families = {
      MetricFamily{"rpc_seconds",
                   "A summary.",
                   MetricType::summary,
                   {Sample{{{"quantile", "0.5"}}, 0.25, {}}, Sample{{{"quantile", "0.99"}}, kNaN, {}},
                    Sample{{}, 12.5, "_sum"}, Sample{{}, 40, "_count"}}}};
  CHECK(write_text(families) ==
        "# HELP rpc_seconds A summary.\n"
        "# TYPE rpc_seconds summary\n"
        "rpc_seconds{quantile=\"0.5\"} 0.25\n"
        "rpc_seconds{quantile=\"0.99\"} NaN\n"
        "rpc_seconds_sum 12.5\n"
        "rpc_seconds_count 40\n");
}
