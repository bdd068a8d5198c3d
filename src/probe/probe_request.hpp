// ProbeRequest: everything one probe needs, fixed when the HTTP request arrives.
#pragma once

#include <chrono>
#include <string>

#include "config/model.hpp"
#include "util/target.hpp"

namespace spe {

struct ProbeRequest {
  ConfigSnapshot config;           // keeps `module` alive while the probe runs
  const Module* module = nullptr;  // points into *config
  Target target;
  std::string target_text;  // as the user gave it (for logs and history)
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point start;  // the deadline is start + timeout
};

}  // namespace spe
