#include "metrics/registry.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace spe::metrics {
namespace {

bool is_alpha_or_underscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool reserved_prefix(std::string_view name) { return name.starts_with("__"); }

// "family" or "family_bucket{le=\"1\"}": names a series in error messages.
std::string series_text(const MetricFamily& family, const Sample& sample) {
  std::string text = family.name + sample.suffix;
  if (sample.labels.empty()) return text;
  text += '{';
  for (std::size_t i = 0; i < sample.labels.size(); ++i) {
    if (i > 0) text += ',';
    text += sample.labels[i].name + "=\"" + sample.labels[i].value + '"';
  }
  return text + '}';
}

bool has_label(const Sample& sample, std::string_view name) {
  return std::ranges::any_of(sample.labels, [&](const Label& l) { return l.name == name; });
}

Result<void> check_histogram_suffix(const MetricFamily& family, const Sample& sample) {
  if (sample.suffix == "_bucket") {
    if (!has_label(sample, "le")) {
      return fail(ErrorCode::invalid_argument,
                  "histogram bucket without \"le\": " + series_text(family, sample));
    }
    return {};
  }
  if (sample.suffix == "_sum" || sample.suffix == "_count") return {};
  return fail(ErrorCode::invalid_argument, "histogram " + family.name + " sample with suffix \"" +
                                               sample.suffix + "\" (want _bucket, _sum or _count)");
}

Result<void> check_summary_suffix(const MetricFamily& family, const Sample& sample) {
  const bool quantile = has_label(sample, "quantile");
  if (sample.suffix.empty()) {
    if (!quantile) {
      return fail(ErrorCode::invalid_argument,
                  "summary quantile without \"quantile\": " + series_text(family, sample));
    }
    return {};
  }
  if (sample.suffix == "_sum" || sample.suffix == "_count") {
    if (quantile) {
      return fail(ErrorCode::invalid_argument,
                  "label \"quantile\" is only for quantiles: " + series_text(family, sample));
    }
    return {};
  }
  return fail(ErrorCode::invalid_argument, "summary " + family.name + " sample with suffix \"" +
                                               sample.suffix + "\" (want none, _sum or _count)");
}

// The suffix rules of the text format: histograms are made of _bucket (with "le"), _sum and
// _count lines; summaries of quantile lines (the family name, with "quantile"), _sum and _count;
// every other type writes the family name alone. "le" is only ever a bucket's label.
Result<void> check_suffix(const MetricFamily& family, const Sample& sample) {
  const bool le = has_label(sample, "le");
  if (le && !(family.type == MetricType::histogram && sample.suffix == "_bucket")) {
    return fail(ErrorCode::invalid_argument,
                family.type == MetricType::histogram
                    ? "label \"le\" is only for buckets: " + series_text(family, sample)
                    : "label \"le\" is reserved for histograms: " + series_text(family, sample));
  }
  if (family.type == MetricType::histogram) return check_histogram_suffix(family, sample);
  if (family.type == MetricType::summary) return check_summary_suffix(family, sample);
  if (!sample.suffix.empty()) {
    return fail(ErrorCode::invalid_argument,
                "suffix \"" + sample.suffix + "\" on non-histogram family " + family.name);
  }
  return {};
}

Result<void> check_labels(const MetricFamily& family, const Sample& sample) {
  std::set<std::string_view> seen;
  for (const Label& label : sample.labels) {
    if (!valid_label_name(label.name)) {
      return fail(ErrorCode::invalid_argument,
                  "invalid label name \"" + label.name + "\" in " + series_text(family, sample));
    }
    if (!seen.insert(label.name).second) {
      return fail(ErrorCode::invalid_argument,
                  "label \"" + label.name + "\" repeated in " + series_text(family, sample));
    }
  }
  return {};
}

// A series is its suffix and its label set; label order does not make a different series.
using SeriesKey = std::pair<std::string, std::vector<std::pair<std::string, std::string>>>;

SeriesKey series_key(const Sample& sample) {
  SeriesKey key{sample.suffix, {}};
  for (const Label& label : sample.labels) key.second.emplace_back(label.name, label.value);
  std::ranges::sort(key.second);
  return key;
}

Result<void> check_samples(const MetricFamily& family) {
  std::set<SeriesKey> series;
  for (const Sample& sample : family.samples) {
    if (auto r = check_labels(family, sample); !r) return r;
    if (auto r = check_suffix(family, sample); !r) return r;
    if (!series.insert(series_key(sample)).second) {
      return fail(ErrorCode::invalid_argument,
                  "duplicate series " + series_text(family, sample) + " in family " + family.name);
    }
  }
  return {};
}

// Every name a family writes lines under (or could, for a histogram or summary): two families may
// not share one, or a scraper could not tell their lines apart.
std::set<std::string> line_names(const MetricFamily& family) {
  std::set<std::string> names{family.name};
  if (family.type == MetricType::histogram) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) names.insert(family.name + suffix);
  } else if (family.type == MetricType::summary) {
    for (const char* suffix : {"_sum", "_count"}) names.insert(family.name + suffix);
  }
  return names;
}

}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty() || reserved_prefix(name)) return false;
  if (!is_alpha_or_underscore(name.front()) && name.front() != ':') return false;
  return std::ranges::all_of(
      name, [](char c) { return is_alpha_or_underscore(c) || is_digit(c) || c == ':'; });
}

bool exporter_metric_name(std::string_view name) {
  return name.starts_with("probe_") || name.starts_with("ssh_probe_exporter_");
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || reserved_prefix(name)) return false;
  if (!is_alpha_or_underscore(name.front())) return false;
  return std::ranges::all_of(name, [](char c) { return is_alpha_or_underscore(c) || is_digit(c); });
}

Result<void> Registry::add(MetricFamily family) {
  if (!valid_metric_name(family.name)) {
    return fail(ErrorCode::invalid_argument, "invalid metric name \"" + family.name + "\"");
  }
  const std::set<std::string> names = line_names(family);
  for (const MetricFamily& existing : families_) {
    if (existing.name == family.name) {
      return fail(ErrorCode::invalid_argument, "family " + family.name + " already added");
    }
    for (const std::string& name : line_names(existing)) {
      if (names.contains(name)) {
        return fail(ErrorCode::invalid_argument, "family " + family.name + " clashes with family " +
                                                     existing.name + " on " + name);
      }
    }
  }
  if (auto r = check_samples(family); !r) return r;
  families_.push_back(std::move(family));
  return {};
}

}  // namespace spe::metrics
