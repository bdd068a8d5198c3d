// spe_bench: the in-tree benchmark of issue 5. Starts the loopback test sshd, the adversarial servers and
// the exporter binary itself, measures figures 1-11, prints one table and optionally writes it, with the
// command, the machine and the load, as Markdown (docs/benchmarks.md).
//
//   spe_bench [--quick] [--reps N] [--only 1,3,8] [--output docs/benchmarks.md]
//
// Exit status: 0, or 1 when a soak (figure 8 or 9) missed a target or a figure could not run, or 2 for a bad
// command line. The other targets are reported, not enforced: they are measurements, not tests.
#include <chrono>
#include <ctime>
#include <exception>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>

#include "bench/benchmark_document.hpp"
#include "bench/figure_list.hpp"
#include "bench/process_stats.hpp"

namespace {

namespace po = boost::program_options;
using namespace spe::bench;

// Each probe holds ~3 descriptors in the exporter and the in-process servers hold one per connection.
constexpr unsigned long kFdLimit = 65'536;

struct Command {
  BenchOptions options;
  std::set<int> only;  // empty: every figure
  std::string output;
  bool help = false;
};

std::set<int> parse_list(const std::string& list) {
  std::set<int> figures;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    const int n = std::stoi(item);
    if (n < 1 || n > static_cast<int>(all_figures().size())) throw std::invalid_argument("no figure " + item);
    figures.insert(n);
  }
  return figures;
}

Command parse_command(int argc, char** argv, std::string& usage) {
  Command command;
  std::string only;
  po::options_description description("spe_bench options");
  description.add_options()("help,h", po::bool_switch(&command.help), "print this help")(
      "quick", po::bool_switch(&command.options.quick), "smaller counts (the soak: 5,000 probes), for CI")(
      "reps", po::value(&command.options.reps)->default_value(3), "repetitions per figure (medians of these)")(
      "only", po::value(&only), "comma-separated figure numbers to run, e.g. 1,3,8")(
      "output", po::value(&command.output), "also write the results as Markdown to this file");
  std::ostringstream text;
  text << description;
  usage = text.str();
  po::variables_map values;
  po::store(po::command_line_parser(argc, argv).options(description).run(), values);
  po::notify(values);
  if (command.options.reps < 1) throw std::invalid_argument("--reps must be at least 1");
  if (!only.empty()) command.only = parse_list(only);
  return command;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string command_line(int argc, char** argv) {
  std::string line = "build/tests/bench/spe_bench";
  for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  Command command;
  std::string usage;
  try {
    command = parse_command(argc, argv, usage);
  } catch (const std::exception& e) {
    std::cerr << "spe_bench: " << e.what() << "\n";
    return 2;
  }
  if (command.help) {
    std::cout << usage;
    return 0;
  }

  BenchRun run;
  run.command = command_line(argc, argv);
  run.started = utc_now();
  run.machine = std::to_string(std::thread::hardware_concurrency()) + " CPUs (nproc), " + cpu_model();
  run.load_start = load_average();
  run.fd_limit = raise_fd_limit_to(kFdLimit);
  run.quick = command.options.quick;
  run.reps = command.options.reps;
  std::cout << "spe_bench: " << run.machine << "; load " << run.load_start << "; fd limit " << run.fd_limit << "\n";

  bool ok = true;
  try {
    BenchBed bed(command.options);
    for (const FigureSpec& figure : all_figures()) {
      if (!command.only.empty() && !command.only.contains(figure.number)) continue;
      std::cout << "figure " << figure.number << ": " << figure.title << " ..." << std::endl;
      FigureRun done{&figure, {}, ""};
      const auto start = std::chrono::steady_clock::now();
      try {
        done.result = figure.run(bed);
      } catch (const std::exception& e) {
        done.error = e.what();
        ok = false;
      }
      done.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cout << render_figure_notes(done) << std::flush;
      if ((figure.number == 8 || figure.number == 9) && !figure_met_targets(done)) ok = false;
      run.figures.push_back(std::move(done));
    }
  } catch (const std::exception& e) {
    std::cerr << "spe_bench: " << e.what() << "\n";
    return 1;
  }
  run.load_end = load_average();
  run.finished = utc_now();

  std::cout << "\n" << render_text_summary(run);
  if (!command.output.empty()) {
    if (const std::string error = write_document(command.output, run); !error.empty()) {
      std::cerr << "spe_bench: " << error << "\n";
      return 1;
    }
    std::cout << "wrote " << command.output << "\n";
  }
  return ok ? 0 : 1;
}
