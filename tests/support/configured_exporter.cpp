#include "support/configured_exporter.hpp"

namespace spe::test {

ConfiguredExporter::ConfiguredExporter(const std::string& config, std::vector<std::string> args,
                                       const std::vector<std::pair<std::string, std::string>>& files)
    : path((dir.path() / "exporter.toml").string()) {
  for (const auto& [name, text] : files) dir.write(name, text);
  write_file(path, config);
  process = std::make_unique<ExporterProcess>(path, std::move(args));
}

void ConfiguredExporter::rewrite(const std::string& config) const { write_file(path, config); }

}  // namespace spe::test
