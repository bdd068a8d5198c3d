// One run of the benchmark as a whole (command, machine, load, the figures' results) and its two
// renderings: the summary printed at the end, and the Markdown written to docs/benchmarks.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bench/figure_list.hpp"

namespace spe::bench {

struct FigureRun {
  const FigureSpec* spec = nullptr;
  FigureResult result;
  std::string error;  // what stopped the figure, if it could not run
  double seconds = 0;
};

struct BenchRun {
  std::string command;
  std::string started, finished;  // UTC
  std::string machine;            // "2 CPUs (nproc), <model>"
  std::string load_start, load_end;
  unsigned long fd_limit = 0;
  bool quick = false;
  int reps = 0;
  std::vector<FigureRun> figures;
};

// False when the figure failed to run or any of its rows misses its target.
bool figure_met_targets(const FigureRun& figure);

// The figure's notes, indented, as printed while the run goes on.
std::string render_figure_notes(const FigureRun& figure);

// The table of every figure's rows, then the machine and load lines.
std::string render_text_summary(const BenchRun& run);

// The line that opens the hand-written analysis at the end of the document: writing the document again keeps
// everything from this line on.
inline constexpr std::string_view kAnalysisMarker =
    "<!-- spe_bench keeps the text below when it rewrites this file -->";

// Writes the Markdown document, keeping the hand-written analysis of the file it replaces (see kAnalysisMarker);
// returns an error message, or "" on success.
std::string write_document(const std::string& path, const BenchRun& run);

}  // namespace spe::bench
