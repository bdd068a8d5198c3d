// History: the most recent probes for the landing page and /logs?id=N, as blackbox's
// prober/history.go keeps them. Two rings of `entries` each: every probe goes into the first;
// failures also into the second, so a flood of successes cannot push the last failures out.
// Bounded in bytes as well as in count: an entry keeps only what its debug text is built from
// (DebugParts: plain text, never a config snapshot or a report), capped per entry and in total.
// Thread-safe: probes finish on any io thread.
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

#include "debug/debug_output.hpp"

namespace spe {

// One finished probe as the caller hands it over.
struct ProbeRecord {
  std::string module;
  std::string target;
  bool success = false;
  std::string failure_reason;  // the probe_ssh_failure reason ("auth", ...); empty on success
  std::string failed_hop;      // the jump host it failed at; empty on success or a failure at the target
  std::chrono::nanoseconds duration{0};
  DebugParts debug;  // what /logs?id=N shows, built into text when read
};

// The name of the jump host `report` failed at (report.failed_hop); empty when it succeeded, failed
// at the target or went through no jump host.
std::string failed_hop_name(const ProbeReport& report);

struct HistoryEntry : ProbeRecord {
  std::uint64_t id = 0;                           // 1, 2, 3, ... in the order added
  std::chrono::system_clock::time_point start{};  // when the probe began (wall clock)
  std::size_t bytes = 0;                          // what it counts against the caps (entry_bytes)
};

struct HistoryLimits {
  static constexpr std::size_t kMiB = 1024 * 1024;
  std::size_t entries = 100;            // per ring; 0 keeps nothing
  std::size_t entry_bytes = kMiB;       // one entry at most (its debug parts are cut to fit)
  std::size_t total_bytes = 64 * kMiB;  // all entries together (the oldest are dropped to fit)
};

using HistoryClock = std::function<std::chrono::system_clock::time_point()>;

class History {
 public:
  // `clock` reads the wall clock (tests inject one); empty means std::chrono::system_clock::now.
  explicit History(HistoryLimits limits, HistoryClock clock = {});

  // Records a probe that just finished: its start is the clock's now minus its duration. Returns
  // its id (ids are assigned even when limits.entries is 0). Cuts the record's debug parts so the
  // entry counts at most min(entry_bytes, total_bytes) (debug_output.hpp's cap_debug_parts), then,
  // past total_bytes, drops the oldest entries: those only in the first ring first, then failures.
  // The entry just added is never dropped for bytes.
  std::uint64_t add(ProbeRecord record);

  // The kept entries, newest first, each once (a failure may be in both rings).
  std::vector<std::shared_ptr<const HistoryEntry>> list() const;

  // The entry with this id, or nullptr when it was never added or has been pushed out.
  std::shared_ptr<const HistoryEntry> get(std::uint64_t id) const;

  // What the kept entries count together (each once), at most limits().total_bytes.
  std::size_t bytes() const;

  std::size_t limit() const { return limits_.entries; }
  const HistoryLimits& limits() const { return limits_; }

 private:
  using Entry = std::shared_ptr<const HistoryEntry>;
  using Ring = std::deque<Entry>;
  bool kept(const HistoryEntry& entry) const;
  void drop_oldest(Ring& ring, std::vector<Entry>& dropped);

  const HistoryLimits limits_;
  HistoryClock clock_;
  mutable std::mutex mutex_;  // guards everything below
  std::uint64_t next_id_ = 1;
  std::size_t bytes_ = 0;
  Ring all_;       // every probe, oldest first
  Ring failures_;  // failed probes, oldest first
};

}  // namespace spe
