// The lines one probe logs for its debug output (ProbeReport::log), timed from the probe's start.
// Each phase of a probe writes here; the report takes the lines when the probe ends. Not
// thread-safe: one probe (one strand) owns one.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probe/report.hpp"

namespace spe {

using LogFields = std::vector<std::pair<std::string, std::string>>;

// The first line of `text` (a server's output), at most about 200 bytes, for one field of a log line.
std::string first_line(std::string_view text);

class ProbeLog {
 public:
  explicit ProbeLog(std::chrono::steady_clock::time_point start) : start_(start) {}

  // Adds a line: "msg" first, then hop=NAME while set_hop is in force, then `fields` in their order.
  void add(std::string level, std::string msg, LogFields fields);

  // The jump host whose steps the following lines describe; empty: the target's.
  void set_hop(std::string name) { hop_ = std::move(name); }

  // The lines so far, in order; the log is empty afterwards.
  std::vector<ProbeLogLine> take() { return std::exchange(lines_, {}); }

 private:
  std::chrono::steady_clock::time_point start_;
  std::string hop_;
  std::vector<ProbeLogLine> lines_;
};

}  // namespace spe
