#include "metric_model/names.hpp"

#include <algorithm>

namespace spe::metrics {
namespace {

bool is_alpha_or_underscore(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool reserved_prefix(std::string_view name) { return name.starts_with("__"); }

}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty() || reserved_prefix(name)) return false;
  if (!is_alpha_or_underscore(name.front()) && name.front() != ':') return false;
  return std::ranges::all_of(name, [](char c) { return is_alpha_or_underscore(c) || is_digit(c) || c == ':'; });
}

bool exporter_metric_name(std::string_view name) {
  return name.starts_with("probe_") || name.starts_with("ssh_probe_exporter_");
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || reserved_prefix(name)) return false;
  if (!is_alpha_or_underscore(name.front())) return false;
  return std::ranges::all_of(name, [](char c) { return is_alpha_or_underscore(c) || is_digit(c); });
}

}  // namespace spe::metrics
