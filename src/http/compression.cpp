#include "http/compression.hpp"

#include <zlib.h>

#include <charconv>
#include <limits>
#include <system_error>

#include "util/ascii.hpp"

namespace spe::http {
namespace {

// The q of one "coding;q=0.5" element: 1 without one, 0 when malformed.
double q_of(std::string_view params) {
  while (!params.empty()) {
    const auto semicolon = params.find(';');
    const std::string_view param = trim_blanks(params.substr(0, semicolon));
    params = semicolon == std::string_view::npos ? std::string_view{} : params.substr(semicolon + 1);
    const auto eq = param.find('=');
    if (eq == std::string_view::npos || !ascii_iequals(trim_blanks(param.substr(0, eq)), "q")) continue;
    const std::string_view value = trim_blanks(param.substr(eq + 1));
    double q = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q, std::chars_format::fixed);
    if (ec != std::errc{} || end != value.data() + value.size() || q < 0 || q > 1) return 0;
    return q;
  }
  return 1;
}

}  // namespace

bool accepts_gzip(std::optional<std::string_view> accept_encoding) {
  if (!accept_encoding) return false;
  std::optional<double> gzip;
  std::optional<double> any;
  std::string_view list = *accept_encoding;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view element = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    const auto semicolon = element.find(';');
    const std::string_view coding = trim_blanks(element.substr(0, semicolon));
    const double q = semicolon == std::string_view::npos ? 1 : q_of(element.substr(semicolon + 1));
    if (ascii_iequals(coding, "gzip") || ascii_iequals(coding, "x-gzip")) {
      gzip = q;
    } else if (coding == "*") {
      any = q;
    }
  }
  if (gzip) return *gzip > 0;
  return any && *any > 0;
}

Result<std::string> gzip_compress(std::string_view data) {
  if (data.size() > std::numeric_limits<uInt>::max()) return fail(ErrorCode::internal, "gzip: body too large");
  z_stream stream{};
  // 15 window bits + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return fail(ErrorCode::internal, "gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  // deflateBound leaves room for everything, so one Z_FINISH call completes the stream.
  const int rc = deflate(&stream, Z_FINISH);
  const auto written = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return fail(ErrorCode::internal, "gzip: deflate failed");
  out.resize(written);
  return out;
}

}  // namespace spe::http
