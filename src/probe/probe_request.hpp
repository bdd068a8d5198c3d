// ProbeRequest: everything one probe needs, fixed when the HTTP request arrives.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "config/model.hpp"
#include "log/logger.hpp"
#include "util/target.hpp"

namespace spe {

struct ProbeRequest {
  ConfigSnapshot config;           // keeps `module` alive while the probe runs
  const Module* module = nullptr;  // points into *config
  Target target;
  std::string target_text;  // as the user gave it (for logs and history)
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point start;  // the deadline is start + timeout

  // After the answer (the probe's own log went with it): a line for the exporter's log, such as how
  // the SFTP write test's file removal ended. May be empty (nothing is logged).
  std::function<void(LogLevel, std::string_view msg, std::span<const LogField>)> log_after_answer{};
  // Called once, when the probe has let its target connection go: at the answer, or after it when
  // the SFTP write test's file is removed (at most a second). Until then the probe holds its slot
  // of --probe.max-concurrent. May be empty.
  std::function<void()> released{};
};

}  // namespace spe
