// History: the most recent probes for the landing page and /logs?id=N, as blackbox's
// prober/history.go keeps them. Two rings of `limit` entries each: every probe goes into the
// first; failures also into the second, so a flood of successes cannot push the last failures
// out. Thread-safe: probes finish on any io thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace spe {

// Builds what debug=true would have shown for a probe. Called only when someone reads /logs?id=N,
// so a probe costs no formatting when nobody looks; may be called from any thread, any number of
// times. Its result holds no secret.
using DebugText = std::function<std::string()>;

// One finished probe as the caller hands it over.
struct ProbeRecord {
  std::string module;
  std::string target;
  bool success = false;
  std::string failure_reason;  // the probe_ssh_failure reason ("auth", ...); empty on success
  std::chrono::nanoseconds duration{0};
  DebugText debug_text;        // empty when there is nothing to show
};

struct HistoryEntry : ProbeRecord {
  std::uint64_t id = 0;                           // 1, 2, 3, ... in the order added
  std::chrono::system_clock::time_point start{};  // when the probe began (wall clock)
};

using HistoryClock = std::function<std::chrono::system_clock::time_point()>;

class History {
 public:
  // `limit` entries per ring; 0 keeps nothing. `clock` reads the wall clock (tests inject one);
  // empty means std::chrono::system_clock::now.
  explicit History(std::size_t limit, HistoryClock clock = {});

  // Records a probe that just finished: its start is the clock's now minus its duration. Returns
  // its id (ids are assigned even when limit is 0).
  std::uint64_t add(ProbeRecord record);

  // The kept entries, newest first, each once (a failure may be in both rings).
  std::vector<std::shared_ptr<const HistoryEntry>> list() const;

  // The entry with this id, or nullptr when it was never added or has been pushed out.
  std::shared_ptr<const HistoryEntry> get(std::uint64_t id) const;

  std::size_t limit() const { return limit_; }

 private:
  using Ring = std::deque<std::shared_ptr<const HistoryEntry>>;
  void push(Ring& ring, std::shared_ptr<const HistoryEntry> entry) const;

  const std::size_t limit_;
  HistoryClock clock_;
  mutable std::mutex mutex_;  // guards everything below
  std::uint64_t next_id_ = 1;
  Ring all_;       // every probe, oldest first
  Ring failures_;  // failed probes, oldest first
};

}  // namespace spe
