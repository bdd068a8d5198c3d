#include "debug/history.hpp"

#include <algorithm>

namespace spe {
namespace {

// The entry's own strings and object besides its debug parts.
std::size_t fixed_bytes(const ProbeRecord& record) {
  return sizeof(HistoryEntry) + record.module.size() + record.target.size() + record.failure_reason.size() +
         record.failed_hop.size();
}

}  // namespace

std::string failed_hop_name(const ProbeReport& report) {
  if (report.success || !report.failed_hop || *report.failed_hop >= report.hops.size()) return {};
  return report.hops[*report.failed_hop].name;
}

History::History(HistoryLimits limits, HistoryClock clock) : limits_(limits), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

// Both rings drop from the front only, so each holds every entry (every failure) from its front on.
bool History::kept(const HistoryEntry& entry) const {
  const bool in_all = !all_.empty() && entry.id >= all_.front()->id;
  const bool in_failures = !entry.success && !failures_.empty() && entry.id >= failures_.front()->id;
  return in_all || in_failures;
}

void History::drop_oldest(Ring& ring, std::vector<Entry>& dropped) {
  Entry entry = std::move(ring.front());
  ring.pop_front();
  if (!kept(*entry)) bytes_ -= entry->bytes;
  dropped.push_back(std::move(entry));
}

std::uint64_t History::add(ProbeRecord record) {
  auto entry = std::make_shared<HistoryEntry>();
  static_cast<ProbeRecord&>(*entry) = std::move(record);
  entry->start = clock_() - std::chrono::duration_cast<std::chrono::system_clock::duration>(entry->duration);
  if (limits_.entries > 0) {
    const std::size_t fixed = fixed_bytes(*entry);
    const std::size_t cap = std::min(limits_.entry_bytes, limits_.total_bytes);
    cap_debug_parts(entry->debug, cap > fixed ? cap - fixed : 0);
    entry->bytes = fixed + byte_size(entry->debug);
  }
  std::vector<Entry> dropped;  // freed after the lock is released
  const std::lock_guard lock(mutex_);
  entry->id = next_id_++;
  const std::uint64_t id = entry->id;
  if (limits_.entries == 0) return id;
  const Entry newest = std::move(entry);
  bytes_ += newest->bytes;
  if (!newest->success) failures_.push_back(newest);
  all_.push_back(newest);
  while (all_.size() > limits_.entries) drop_oldest(all_, dropped);
  while (failures_.size() > limits_.entries) drop_oldest(failures_, dropped);
  while (bytes_ > limits_.total_bytes && all_.front() != newest) drop_oldest(all_, dropped);
  while (bytes_ > limits_.total_bytes && !failures_.empty() && failures_.front() != newest) {
    drop_oldest(failures_, dropped);
  }
  return id;
}

std::vector<std::shared_ptr<const HistoryEntry>> History::list() const {
  std::vector<std::shared_ptr<const HistoryEntry>> out;
  {
    const std::lock_guard lock(mutex_);
    out.reserve(all_.size() + failures_.size());
    out.insert(out.end(), all_.begin(), all_.end());
    out.insert(out.end(), failures_.begin(), failures_.end());
  }
  std::ranges::sort(out, [](const auto& a, const auto& b) { return a->id > b->id; });
  const auto same_id = [](const auto& a, const auto& b) { return a->id == b->id; };
  out.erase(std::unique(out.begin(), out.end(), same_id), out.end());
  return out;
}

std::shared_ptr<const HistoryEntry> History::get(std::uint64_t id) const {
  const std::lock_guard lock(mutex_);
  const auto by_id = [id](const auto& entry) { return entry->id == id; };
  for (const Ring* ring : {&all_, &failures_}) {
    const auto it = std::ranges::find_if(*ring, by_id);
    if (it != ring->end()) return *it;
  }
  return nullptr;
}

std::size_t History::bytes() const {
  const std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace spe
