#include "config/probe_descriptors.hpp"

#include <algorithm>

namespace spe {

std::size_t longest_jump_chain(const ExporterConfig& config) {
  std::size_t longest = 0;
  for (const auto& [name, module] : config.modules) longest = std::max(longest, module.jump_chain.size());
  return longest;
}

std::size_t max_probe_descriptors(const ExporterConfig& config) {
  return probe_descriptors(longest_jump_chain(config));
}

}  // namespace spe
