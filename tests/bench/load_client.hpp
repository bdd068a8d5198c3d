// The benchmark's HTTP client: many keep-alive connections to the exporter on 127.0.0.1, driven by one
// io_context on the calling thread, each sending its next GET as soon as the previous answer is read.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace spe::bench {

using Clock = std::chrono::steady_clock;

struct Answer {
  int status = 0;     // 0 when no response was read
  std::string error;  // "stage: reason" for a transport failure ("read: timeout"); empty if ok
  std::string body;
  Clock::time_point sent;  // the request was fully written
  Clock::time_point done;  // the response was fully read (or the error happened)
};

struct LoadPlan {
  std::size_t requests = 0;                           // GETs in all, numbered 0 .. requests-1
  std::size_t connections = 1;                        // at most this many in flight, one per connection
  std::chrono::milliseconds request_timeout{30'000};  // per request, connecting included
  // When set, no request starts after this time point (the rest are not sent).
  std::optional<Clock::time_point> stop_starting_at;
};

// Target (path and query) of request number i.
using TargetOf = std::function<std::string(std::size_t index)>;
// Called on the client thread as each request ends, in completion order.
using OnAnswer = std::function<void(std::size_t index, Answer&& answer)>;

// Runs the plan against 127.0.0.1:port and returns how many requests were sent. A connection the server
// closes (its keep-alive limit, an error) is reopened for the next request. Never throws for network
// trouble: each failed request reaches on_answer with its error.
std::size_t run_load(unsigned short port, const LoadPlan& plan, const TargetOf& target_of, const OnAnswer& on_answer);

}  // namespace spe::bench
