// libFuzzer target: any bytes as the output of a command with format = "prometheus". The parser must
// return families or an error, never crash, and what it accepts must be valid exposition: written back
// with the exporter's own text writer it parses again to the same families.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "metric_model/exposition.hpp"
#include "parse/output.hpp"

namespace {

void check_round_trip(std::string_view text, std::string_view prefix) {
  const auto parsed = spe::parse_prometheus_text(text, prefix);
  if (!parsed) return;
  const auto& families = parsed->families;
  const std::string written = spe::metrics::write_text(families);
  const auto again = spe::parse_prometheus_text(written, "");
  if (!again || again->families.size() != families.size() || !again->notes.empty()) std::abort();
  for (std::size_t i = 0; i < families.size(); ++i) {
    if (again->families[i].name != families[i].name ||
        again->families[i].samples.size() != families[i].samples.size()) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_round_trip(text, "");
  check_round_trip(text, "remote_");
  return 0;
}
