// libFuzzer target: any bytes as the query string of /probe. parse_probe_params and url_decode must
// return a value or an error, never crash; a parsed request always has a target and a module.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "probe/params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  (void)spe::url_decode(query);
  const auto params = spe::parse_probe_params(query);
  if (params && (params->target_text.empty() || params->target.host.empty())) {
    std::abort();  // "missing parameter target" must be an error, not an empty target
  }
  return 0;
}
