// The benchmark's results: one row per figure (a value measured once per repetition, optionally beside
// a baseline measured in the same repetition), summarised as median, min and max, checked against the
// figure's target, and rendered as a plain-text table and as the Markdown of docs/benchmarks.md.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace spe::bench {

// A target is met when the median of the value (or of the value/baseline ratio) compares with limit.
struct Target {
  enum class Of { value, ratio };
  enum class Compare { at_most, below, at_least };
  Of of = Of::value;
  Compare compare = Compare::at_most;
  double limit = 0;
  std::string text;  // as printed: "<= 0.5 ms", "< 10%"
};

struct Row {
  std::string figure;             // "1", "4b": figure number and row within it
  std::string name;               // "exporter CPU per probe"
  std::string unit;               // "ms", "MiB", "probes/s"
  std::vector<double> values;     // one per repetition
  std::vector<double> baselines;  // empty, or one per repetition, measured beside each value
  std::string baseline_name;      // "crypto floor"
  std::optional<Target> target;
  int decimals = 2;
};

struct Summary {
  double median = 0, min = 0, max = 0;
};

// Median (mean of the middle two for an even count), min and max; all 0 for no values.
Summary summarise(std::vector<double> values);

// value / baseline per repetition (reps without a positive baseline are left out).
std::vector<double> ratios(const Row& row);

// nullopt without a target; otherwise whether its median meets it.
std::optional<bool> target_met(const Row& row);

// What one figure adds to the report: its rows and the lines that explain them (counts, loads, method).
struct FigureResult {
  std::vector<Row> rows;
  std::vector<std::string> notes;
};

// printf into a string (libstdc++ 12 has no std::format); at most 1,023 characters.
template <typename... Args>
std::string printf_text(const char* pattern, Args... args) {
  char text[1024];
  std::snprintf(text, sizeof text, pattern, args...);
  return text;
}

// Fixed-width table for the terminal.
std::string render_text_table(const std::vector<Row>& rows);
// The same table in GitHub Markdown.
std::string render_markdown_table(const std::vector<Row>& rows);

}  // namespace spe::bench
