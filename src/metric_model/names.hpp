// The naming rules of the exposition formats, alone so that config and parsers can check names without the
// Registry (the shape of prometheus-cpp's check_names.h).
#pragma once

#include <string_view>

namespace spe::metrics {

// Metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, "__" prefix reserved,
// "le" reserved for histograms.
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

// Whether `name` is in the exporter's own namespaces (probe_*, ssh_probe_exporter_*), which metrics
// derived from command output may not use.
bool exporter_metric_name(std::string_view name);

}  // namespace spe::metrics
