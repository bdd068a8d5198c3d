// Metric families -> an HTTP answer in the format the client negotiated (its Accept header), for
// /metrics and /probe alike.
#pragma once

#include <string>
#include <vector>

#include "http/message.hpp"
#include "metric_model/model.hpp"
#include "metrics/negotiation.hpp"
#include "util/result.hpp"

namespace spe::http {

// Families -> exposition text in `format` through a per-request registry, which refuses anything
// invalid (the error names the family).
Result<std::string> render_families(std::vector<metrics::MetricFamily> families, metrics::Format format);

// 200 with the text and its content type, Vary: Accept (the server adds Accept-Encoding); 500 with
// the reason when rendering failed.
Response exposition_response(Result<std::string> text, metrics::Format format);

}  // namespace spe::http
