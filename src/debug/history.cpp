#include "debug/history.hpp"

#include <algorithm>

namespace spe {

History::History(std::size_t limit, HistoryClock clock) : limit_(limit), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

void History::push(Ring& ring, std::shared_ptr<const HistoryEntry> entry) const {
  ring.push_back(std::move(entry));
  while (ring.size() > limit_) ring.pop_front();
}

std::uint64_t History::add(ProbeRecord record) {
  auto entry = std::make_shared<HistoryEntry>();
  static_cast<ProbeRecord&>(*entry) = std::move(record);
  entry->start = clock_() - std::chrono::duration_cast<std::chrono::system_clock::duration>(entry->duration);
  const std::lock_guard lock(mutex_);
  entry->id = next_id_++;
  const std::uint64_t id = entry->id;
  if (limit_ == 0) return id;
  std::shared_ptr<const HistoryEntry> shared = std::move(entry);
  if (!shared->success) push(failures_, shared);
  push(all_, std::move(shared));
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

}  // namespace spe
