#include "bench/benchmark_document.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace spe::bench {
namespace {

std::vector<Row> all_rows(const BenchRun& run) {
  std::vector<Row> rows;
  for (const auto& figure : run.figures) rows.insert(rows.end(), figure.result.rows.begin(), figure.result.rows.end());
  return rows;
}

// The hand-written part of an existing document (from kAnalysisMarker on), which a new run keeps as it is.
std::string kept_analysis(const std::string& path) {
  std::ifstream file(path);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto at = text.find(kAnalysisMarker);
  return at == std::string::npos ? "" : text.substr(at);
}

std::string sizes(const BenchRun& run) {
  return std::string(run.quick ? "--quick sizes" : "full sizes") + ", " + std::to_string(run.reps) + " repetition" +
         (run.reps == 1 ? "" : "s");
}

}  // namespace

bool figure_met_targets(const FigureRun& figure) {
  if (!figure.error.empty()) return false;
  for (const auto& row : figure.result.rows) {
    if (target_met(row) == false) return false;
  }
  return true;
}

std::string render_figure_notes(const FigureRun& figure) {
  std::ostringstream out;
  if (!figure.error.empty()) out << "  could not run: " << figure.error << "\n";
  for (const auto& note : figure.result.notes) out << "  " << note << "\n";
  out << printf_text("  (%.0f s)\n", figure.seconds);
  return out.str();
}

std::string render_text_summary(const BenchRun& run) {
  std::ostringstream out;
  out << render_text_table(all_rows(run)) << "\n"
      << "command: " << run.command << " (" << sizes(run) << ")\n"
      << "machine: " << run.machine << "\n"
      << "load average: " << run.load_start << " at start (" << run.started << "), " << run.load_end << " at end ("
      << run.finished << ")\n";
  return out.str();
}

std::string write_document(const std::string& path, const BenchRun& run) {
  std::ostringstream out;
  out << "# Benchmarks\n\n"
      << "Written by the in-tree benchmark (`tests/bench/`), which starts the loopback test sshd, the adversarial "
         "servers of the test support code and the exporter binary itself, then measures the figures of issue 5. "
         "Each value is the median of the repetitions, with their min and max; a baseline is measured in the same "
         "repetition as its value, and the ratio is the median of the per-repetition ratios value / baseline. "
         "Targets are checked against the median. Everything runs on loopback.\n\n"
      << "- Command: `" << run.command << "` (" << sizes(run) << ")\n"
      << "- Date: " << run.started << " to " << run.finished << "\n"
      << "- Machine: " << run.machine << "\n"
      << "- Load average (1, 5, 15 min): " << run.load_start << " at start, " << run.load_end << " at end\n"
      << "- RLIMIT_NOFILE of the benchmark and the exporter: " << run.fd_limit << "\n\n"
      << "Rebuild and rerun with `cmake --build build --target spe_bench ssh_probe_exporter && " << run.command
      << "`. The machine's load matters: the latency and overshoot figures are only meaningful on an otherwise "
         "idle machine.\n\n"
      << "## Results\n\n"
      << render_markdown_table(all_rows(run)) << "\n";
  for (const auto& figure : run.figures) {
    out << "## " << figure.spec->number << ". " << figure.spec->title << "\n\n" << figure.spec->method << "\n\n";
    if (!figure.error.empty()) out << "Could not run: " << figure.error << "\n\n";
    for (const auto& note : figure.result.notes) out << "    " << note << "\n";
    out << printf_text("\n(%.0f s)\n\n", figure.seconds);
  }
  out << kept_analysis(path);
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return "cannot create " + parent.string() + ": " + ec.message();
  std::ofstream file(path, std::ios::trunc);
  file << out.str();
  if (!file.flush()) return "cannot write " + path;
  return "";
}

}  // namespace spe::bench
