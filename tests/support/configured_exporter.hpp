// The exporter on a config file of its own, in a fresh directory, which a test may rewrite and reload: for the
// tests that need an exporter other than the shared ProbeBed's.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/exporter_process.hpp"
#include "support/temp_dir.hpp"

namespace spe::test {

struct ConfiguredExporter {
  // Writes files (name, text) into the directory, then config as exporter.toml (so the config may name the files
  // by relative path), and starts the exporter on it with args. Throws as ExporterProcess does.
  explicit ConfiguredExporter(const std::string& config, std::vector<std::string> args = {},
                              const std::vector<std::pair<std::string, std::string>>& files = {});

  unsigned short port() const { return process->port(); }
  // Replaces the config file's text; the exporter loads it on SIGHUP, /-/reload or its auto-reload.
  void rewrite(const std::string& config) const;

  TempDir dir{"spe-exporter-config"};
  std::string path;  // the config file
  std::unique_ptr<ExporterProcess> process;
};

}  // namespace spe::test
