// Waiting, bounded, for a condition that another process or thread makes true.
#pragma once

#include <chrono>
#include <functional>

namespace spe::test {

// True as soon as condition() holds, polling every interval; false when it still does not hold after timeout.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds{5},
                std::chrono::milliseconds interval = std::chrono::milliseconds{20});

}  // namespace spe::test
