#include "http/exposition_response.hpp"

#include <utility>

#include "metric_model/exposition.hpp"
#include "metric_model/registry.hpp"

namespace spe::http {

Result<std::string> render_families(std::vector<metrics::MetricFamily> families, metrics::Format format) {
  metrics::Registry registry;
  for (auto& family : families) {
    if (auto added = registry.add(std::move(family)); !added) return std::unexpected(added.error());
  }
  return metrics::write_exposition(registry.families(), format);
}

Response exposition_response(Result<std::string> text, metrics::Format format) {
  if (!text) return text_response(500, "cannot render metrics: " + text.error().message + "\n");
  return Response{200, std::string(metrics::content_type(format)), std::move(*text), {{"Vary", "Accept"}}};
}

}  // namespace spe::http
