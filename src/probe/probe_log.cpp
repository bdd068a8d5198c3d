#include "probe/probe_log.hpp"

#include <algorithm>

namespace spe {

std::string first_line(std::string_view text) {
  text = text.substr(0, std::min(text.find('\n'), std::size_t{200}));
  if (text.ends_with('\r')) text.remove_suffix(1);
  return std::string(text);
}

void ProbeLog::add(std::string level, std::string msg, LogFields fields) {
  if (!hop_.empty()) fields.insert(fields.begin(), {"hop", hop_});
  fields.insert(fields.begin(), {"msg", std::move(msg)});
  lines_.push_back(ProbeLogLine{std::chrono::steady_clock::now() - start_, std::move(level), std::move(fields)});
}

}  // namespace spe
