// Response negotiation: Accept -> exposition format and Content-Type; Accept-Encoding -> gzip, and
// gzip bodies that zlib's inflate reads back.
#include "metrics/negotiation.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "http/compression.hpp"
#include "metric_model/exposition.hpp"
#include "support/gunzip.hpp"

using spe::metrics::Format;

namespace {

// What Prometheus 2.42 sends (scrape/scrape.go, scrapeAcceptHeader).
constexpr const char* kPrometheusAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
// The same with --enable-feature=native-histograms (protobuf first, which this exporter does not write).
constexpr const char* kPrometheusProtobufAccept =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
    "application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

}  // namespace

TEST_CASE("the Accept header chooses the exposition format", "[unit][negotiation]") {
  const auto [accept, expected] = GENERATE(table<std::optional<std::string>, Format>({
      {std::nullopt, Format::text},
      {"", Format::text},
      {kPrometheusAccept, Format::openmetrics_1_0_0},
      {kPrometheusProtobufAccept, Format::openmetrics_1_0_0},
      {"application/openmetrics-text; version=1.0.0", Format::openmetrics_1_0_0},
      {"application/openmetrics-text", Format::openmetrics_1_0_0},  // the spec's default version
      {"application/openmetrics-text;version=0.0.1", Format::openmetrics_0_0_1},
      {"Application/OpenMetrics-Text; Version=\"1.0.0\"", Format::openmetrics_1_0_0},
      {"application/openmetrics-text;version=2.0.0", Format::text},  // a version we do not write
      {"application/openmetrics-text;version=1.0.0;q=0", Format::text},
      {"text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.6", Format::openmetrics_1_0_0},
      {"text/plain;version=0.0.4,application/openmetrics-text;version=1.0.0", Format::text},  // tie: header order
      {"application/openmetrics-text;q=0.9,text/plain;q=1.0", Format::text},
      {"application/openmetrics-text;q=bogus,text/plain;q=0.1", Format::text},  // an invalid q drops the range
      {"text/plain;version=1.0.0;escaping=allow-utf-8;q=0.9,application/openmetrics-text;q=0.5",
       Format::openmetrics_1_0_0},
      {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", Format::text},  // a browser
      {"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", Format::text},
      {"*/*", Format::text},
      {"garbage", Format::text},
      {",,;;", Format::text},
  }));
  CAPTURE(accept);
  CHECK(spe::metrics::negotiate_format(accept) == expected);
}

TEST_CASE("each format has its Content-Type and writer", "[unit][negotiation]") {
  CHECK(spe::metrics::content_type(Format::text) == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(spe::metrics::content_type(Format::openmetrics_1_0_0) ==
        "application/openmetrics-text; version=1.0.0; charset=utf-8");
  CHECK(spe::metrics::content_type(Format::openmetrics_0_0_1) ==
        "application/openmetrics-text; version=0.0.1; charset=utf-8");
  const std::vector<spe::metrics::MetricFamily> families = {
      {"x_total", "X.", spe::metrics::MetricType::counter, {{{}, 1, {}}}}};
  CHECK(spe::metrics::write_exposition(families, Format::text) == spe::metrics::write_text(families));
  CHECK(spe::metrics::write_exposition(families, Format::openmetrics_1_0_0) ==
        "# TYPE x counter\n# HELP x X.\nx_total 1\n# EOF\n");
  CHECK(spe::metrics::write_exposition(families, Format::openmetrics_0_0_1) ==
        spe::metrics::write_openmetrics(families));
}

TEST_CASE("Accept-Encoding allows gzip unless it says otherwise", "[unit][negotiation]") {
  const auto [header, expected] = GENERATE(table<std::optional<std::string>, bool>({
      {std::nullopt, false},
      {"", false},
      {"gzip", true},
      {"GZip", true},
      {"gzip, deflate, br", true},  // curl --compressed, browsers
      {"deflate, gzip;q=0.5", true},
      {"gzip;q=0", false},
      {"gzip;q=0.000", false},
      {"gzip;q=1.0", true},
      {"gzip; q=bogus", false},
      {"x-gzip", true},
      {"identity", false},
      {"br", false},
      {"*", true},
      {"*;q=0", false},
      {"gzip;q=0, *", false},  // named gzip wins over the wildcard
      {"deflate, *;q=0.1", true},
  }));
  CAPTURE(header);
  CHECK(spe::http::accepts_gzip(header) == expected);
}

TEST_CASE("gzip bodies decompress to the original", "[unit][negotiation]") {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "probe_ssh_failure{reason=\"r" + std::to_string(i % 9) + "\"} 0\n";
  const auto compressed = spe::http::gzip_compress(text);
  REQUIRE(compressed);
  CHECK(compressed->size() < text.size() / 10);
  CHECK(compressed->substr(0, 2) == "\x1f\x8b");  // the gzip magic
  CHECK(spe::test::gunzip(*compressed) == text);
  const auto empty = spe::http::gzip_compress("");
  REQUIRE(empty);
  CHECK(spe::test::gunzip(*empty) == std::string());
}
