// libFuzzer target: any bytes as the TOML text of the config file. load_config_text must return a config
// or every error, never crash or throw. The "file" lives in an empty directory made once per process, so
// relative include globs and key paths find nothing; run the fuzzer with stdin from /dev/null
// (scripts/fuzz.sh does), since a config may name /dev/stdin as a secret file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "config/load.hpp"

namespace {

std::string config_path() {
  std::string dir = (std::filesystem::temp_directory_path() / "spe-fuzz-config-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) std::abort();
  return dir + "/exporter.toml";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = config_path();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto config = spe::load_config_text(text, path);
  if (!config && config.error().errors.empty()) std::abort();  // a failure must say what is wrong
  return 0;
}
