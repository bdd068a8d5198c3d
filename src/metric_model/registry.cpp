#include "metric_model/registry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "metric_model/exposition.hpp"
#include "metric_model/names.hpp"

namespace spe::metrics {
namespace {

bool has_label(const Sample& sample, std::string_view name) {
  return std::ranges::any_of(sample.labels, [&](const Label& l) { return l.name == name; });
}

Result<void> check_histogram_suffix(const MetricFamily& family, const Sample& sample) {
  if (sample.suffix == "_bucket") {
    if (!has_label(sample, "le")) {
      return fail(ErrorCode::invalid_argument, "histogram bucket without \"le\": " + series_text(family, sample));
    }
    return {};
  }
  if (sample.suffix == "_sum" || sample.suffix == "_count") return {};
  return fail(ErrorCode::invalid_argument, "histogram " + family.name + " sample with suffix \"" + sample.suffix +
                                               "\" (want _bucket, _sum or _count)");
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
  return fail(ErrorCode::invalid_argument,
              "summary " + family.name + " sample with suffix \"" + sample.suffix + "\" (want none, _sum or _count)");
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

// --- OpenMetrics' rules for values, which the text format does not have. Checked for every
// family so that both formats carry the same samples: what OpenMetrics forbids is refused. ---

std::unexpected<Error> bad_value(const MetricFamily& family, const Sample& sample, const std::string& why) {
  return fail(ErrorCode::invalid_argument,
              series_text(family, sample) + " " + format_value(sample.value) + ": " + why);
}

bool whole(double value) { return std::isfinite(value) && value == std::trunc(value); }

// A counter's total, a histogram's or summary's _sum and _count: counters, never NaN or negative;
// counts whole numbers too.
Result<void> check_count(const MetricFamily& family, const Sample& sample, bool whole_number) {
  if (std::isnan(sample.value) || sample.value < 0) {
    return bad_value(family, sample, "a counter is never NaN or negative");
  }
  if (whole_number && !whole(sample.value)) return bad_value(family, sample, "a count is a whole number");
  return {};
}

// The samples of one histogram or summary metric (label set without "le"/"quantile"), in order.
struct Point {
  const Sample* first = nullptr;
  double bound = -std::numeric_limits<double>::infinity();  // the last bucket's "le"
  std::optional<double> infinity;                           // the +Inf bucket's count
  double last_bucket = 0;
  bool negative_bound = false;
  const Sample* count = nullptr;
  const Sample* sum = nullptr;
};

std::string point_key(const Sample& sample) {
  std::vector<std::pair<std::string_view, std::string_view>> labels;
  for (const Label& label : sample.labels) {
    if (label.name != "le" && label.name != "quantile") labels.emplace_back(label.name, label.value);
  }
  std::ranges::sort(labels);
  std::string key;
  for (const auto& [name, value] : labels) {
    key.append(name).push_back('\0');
    key.append(value).push_back('\0');
  }
  return key;
}

std::string_view label_value(const Sample& sample, std::string_view name) {
  for (const Label& label : sample.labels) {
    if (label.name == name) return label.value;
  }
  return {};
}

// Buckets in increasing order of "le", cumulative whole counts, the last one +Inf.
Result<void> check_bucket(const MetricFamily& family, const Sample& sample, Point& point) {
  const auto bound = bound_value(label_value(sample, "le"));
  if (!bound || std::isnan(*bound)) return bad_value(family, sample, "\"le\" must be a number");
  if (*bound <= point.bound) {
    return bad_value(family, sample, "buckets must come in increasing order of \"le\", each bound once");
  }
  if (auto r = check_count(family, sample, true); !r) return r;
  if (sample.value < point.last_bucket) {
    return bad_value(family, sample, "buckets are cumulative: a bucket never counts fewer than the one before");
  }
  point.bound = *bound;
  point.last_bucket = sample.value;
  point.negative_bound = point.negative_bound || *bound < 0;
  if (std::isinf(*bound)) point.infinity = sample.value;
  return {};
}

Result<void> check_histogram_point(const MetricFamily& family, const Point& point) {
  if (!point.infinity) {
    return fail(ErrorCode::invalid_argument,
                "histogram " + series_text(family, *point.first) + " has no bucket with le=\"+Inf\"");
  }
  if (point.count && point.count->value != *point.infinity) {
    return bad_value(family, *point.count,
                     "_count must equal the le=\"+Inf\" bucket, " + format_value(*point.infinity));
  }
  if (point.sum && point.sum->value < 0 && !point.negative_bound) {
    return bad_value(family, *point.sum, "a negative _sum needs a bucket with a negative bound");
  }
  return {};
}

Result<void> check_point_sample(const MetricFamily& family, const Sample& sample, Point& point) {
  if (sample.suffix == "_bucket") return check_bucket(family, sample, point);
  if (sample.suffix == "_count") {
    point.count = &sample;
    return check_count(family, sample, true);
  }
  if (sample.suffix == "_sum") {
    point.sum = &sample;
    if (std::isnan(sample.value)) return bad_value(family, sample, "a _sum is never NaN");
    // A summary's _sum is a counter; a histogram's may be negative if its buckets are.
    return family.type == MetricType::summary ? check_count(family, sample, false) : Result<void>{};
  }
  const auto quantile = bound_value(label_value(sample, "quantile"));
  if (!quantile || !(*quantile >= 0 && *quantile <= 1)) {
    return bad_value(family, sample, "\"quantile\" must be a number from 0 to 1");
  }
  return {};
}

// Histograms and summaries: each metric's lines together, then the rules above per metric.
Result<void> check_points(const MetricFamily& family) {
  std::set<std::string> finished;
  std::string current;
  Point point;
  const auto finish = [&]() -> Result<void> {
    if (point.first == nullptr) return {};
    if (family.type == MetricType::histogram) {
      if (auto r = check_histogram_point(family, point); !r) return r;
    }
    finished.insert(std::move(current));
    return {};
  };
  for (const Sample& sample : family.samples) {
    std::string key = point_key(sample);
    if (point.first == nullptr || key != current) {
      if (auto r = finish(); !r) return r;
      if (finished.contains(key)) {
        return fail(ErrorCode::invalid_argument,
                    "lines of " + series_text(family, sample) + " must be together, not split by another metric");
      }
      current = std::move(key);
      point = Point{};
      point.first = &sample;
    }
    if (auto r = check_point_sample(family, sample, point); !r) return r;
  }
  return finish();
}

Result<void> check_openmetrics_values(const MetricFamily& family) {
  switch (family.type) {
    case MetricType::counter:
      for (const Sample& sample : family.samples) {
        if (auto r = check_count(family, sample, false); !r) return r;
      }
      return {};
    case MetricType::histogram:
    case MetricType::summary: return check_points(family);
    case MetricType::gauge:
    case MetricType::untyped: return {};
  }
  return {};
}

}  // namespace

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

std::set<std::string> line_names(const MetricFamily& family) {
  std::set<std::string> names{family.name};
  switch (family.type) {
    case MetricType::histogram:
      for (const char* suffix : {"_bucket", "_sum", "_count", "_created"}) names.insert(family.name + suffix);
      break;
    case MetricType::summary:
      for (const char* suffix : {"_sum", "_count", "_created"}) names.insert(family.name + suffix);
      break;
    case MetricType::counter: {
      std::string_view base = family.name;
      if (base.ends_with("_total")) base.remove_suffix(6);
      for (const char* suffix : {"", "_total", "_created"}) names.insert(std::string(base) + suffix);
      break;
    }
    case MetricType::gauge:
    case MetricType::untyped: break;
  }
  return names;
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
        return fail(ErrorCode::invalid_argument,
                    "family " + family.name + " clashes with family " + existing.name + " on " + name);
      }
    }
  }
  if (auto r = check_samples(family); !r) return r;
  if (auto r = check_openmetrics_values(family); !r) return r;
  families_.push_back(std::move(family));
  return {};
}

}  // namespace spe::metrics
