#include "probe/probe_log.hpp"

namespace spe {

void ProbeLog::add(std::string level, std::string msg, LogFields fields) {
  if (!hop_.empty()) fields.insert(fields.begin(), {"hop", hop_});
  fields.insert(fields.begin(), {"msg", std::move(msg)});
  lines_.push_back(ProbeLogLine{std::chrono::steady_clock::now() - start_, std::move(level), std::move(fields)});
}

}  // namespace spe
