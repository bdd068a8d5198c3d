#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "config/store.hpp"
#include "support/fifo_wait.hpp"
#include "support/temp_dir.hpp"

using spe::test::finishes_within;

namespace {

const std::string kData = SPE_TEST_DATA;

// A config file in a fresh directory, removed at the end.
class ConfigFile {
 public:
  const std::string& path() const { return path_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  void write(const std::string& text, const std::string& name = "exporter.toml") const { dir_.write(name, text); }

 private:
  spe::test::TempDir dir_{"spe-store"};
  std::string path_ = (dir_.path() / "exporter.toml").string();
};

std::string module(const std::string& name) {
  return "[modules." + name + "]\npassword = \"x\"\ninsecure_ignore_host_key = true\n";
}

spe::ConfigSnapshot load(const std::string& path) {
  auto config = spe::load_config_file(path);
  REQUIRE(config.has_value());
  return std::make_shared<const spe::ExporterConfig>(std::move(*config));
}

}  // namespace

TEST_CASE("store: a good reload swaps the snapshot; readers keep the one they took", "[unit][store]") {
  ConfigFile file;
  file.write(module("a"));
  spe::ConfigStore store(load(file.path()));
  const spe::ConfigSnapshot before = store.current();
  file.write(module("a") + module("b"));
  const auto reloaded = store.reload();
  REQUIRE(reloaded.has_value());
  CHECK((*reloaded)->modules.size() == 2);
  CHECK(store.current() == *reloaded);
  CHECK(before->modules.size() == 1);  // still valid, still the old config
}

TEST_CASE("store: a bad reload keeps the old snapshot and returns every error", "[unit][store]") {
  ConfigFile file;
  file.write(module("a"));
  spe::ConfigStore store(load(file.path()));
  const spe::ConfigSnapshot before = store.current();
  file.write("[modules.a]\nport = 0\nbogus = 1\n");
  const auto reloaded = store.reload();
  REQUIRE_FALSE(reloaded.has_value());
  CHECK(reloaded.error().errors.size() >= 2);
  CHECK(store.current() == before);
  std::filesystem::remove(file.path());
  CHECK_FALSE(store.reload().has_value());
  CHECK(store.current() == before);
}

TEST_CASE("store: changes on disk are seen once, for the config and the files it names", "[unit][store]") {
  ConfigFile file;
  file.write("secret-1\n", "password.txt");
  file.write("[modules.a]\npassword_file = \"password.txt\"\ninsecure_ignore_host_key = true\n");
  spe::ConfigStore store(load(file.path()));
  CHECK_FALSE(store.changed_on_disk());

  // The same content written again is no change.
  file.write("[modules.a]\npassword_file = \"password.txt\"\ninsecure_ignore_host_key = true\n");
  CHECK_FALSE(store.changed_on_disk());

  file.write("secret-2\n", "password.txt");
  CHECK(store.changed_on_disk());
  REQUIRE(store.reload().has_value());
  CHECK(store.current()->modules.at("a").auth.password->reveal() == "secret-2");
  CHECK_FALSE(store.changed_on_disk());

  // A bad file is tried once: after the failed attempt it no longer counts as changed.
  file.write("[modules.a]\nport = 0\n");
  CHECK(store.changed_on_disk());
  CHECK_FALSE(store.reload().has_value());
  CHECK_FALSE(store.changed_on_disk());
  file.write(module("fixed"));
  CHECK(store.changed_on_disk());
  REQUIRE(store.reload().has_value());
  CHECK(store.current()->find_module("fixed") != nullptr);
  CHECK_FALSE(store.changed_on_disk());
}

TEST_CASE("store: the files a config depends on", "[unit][store]") {
  const auto config = spe::load_config_file(kData + "/config/good.toml");
  REQUIRE(config.has_value());
  const auto files = spe::config_source_files(*config);
  REQUIRE_FALSE(files.empty());
  CHECK(files.front() == spe::SourceFile{kData + "/config/good.toml", spe::SourceKind::config});
  const auto has = [&](const std::string& path, spe::SourceKind kind) {
    return std::find(files.begin(), files.end(), spe::SourceFile{path, kind}) != files.end();
  };
  CHECK(has(kData + "/keys/id_ed25519", spe::SourceKind::key));
  CHECK(has(kData + "/keys/id_ed25519-cert.pub", spe::SourceKind::key));
  CHECK(has(kData + "/config/passphrase.txt", spe::SourceKind::secret));
  CHECK(has(kData + "/config/password.txt", spe::SourceKind::secret));
  CHECK(has(kData + "/keys/known_hosts", spe::SourceKind::known_hosts));  // parsed at load: a change needs a reload
  CHECK(spe::content_fingerprint(files) == spe::content_fingerprint(files));
  const auto secret = [](const std::string& path) {
    return std::vector{spe::SourceFile{path, spe::SourceKind::secret}};
  };
  CHECK(spe::content_fingerprint(secret(kData + "/config/passphrase.txt")) !=
        spe::content_fingerprint(secret(kData + "/config/password.txt")));
  CHECK(spe::content_fingerprint(secret("/nonexistent/a")) != spe::content_fingerprint(secret("/nonexistent/b")));
}

TEST_CASE("store: included module files count, including ones added after the load", "[unit][store]") {
  ConfigFile file;
  std::filesystem::create_directory(file.dir() / "modules");
  file.write(module("a"), "modules/a.toml");
  file.write("include = [\"modules/*.toml\"]\n");
  spe::ConfigStore store(load(file.path()));
  REQUIRE(store.current()->find_module("a") != nullptr);
  CHECK_FALSE(store.changed_on_disk());

  file.write(module("b"), "modules/b.toml");
  CHECK(store.changed_on_disk());
  REQUIRE(store.reload().has_value());
  CHECK(store.current()->find_module("b") != nullptr);
  CHECK_FALSE(store.changed_on_disk());

  file.write(module("a2"), "modules/a.toml");
  CHECK(store.changed_on_disk());
  REQUIRE(store.reload().has_value());
  CHECK(store.current()->find_module("a2") != nullptr);

  std::filesystem::remove(file.dir() / "modules/b.toml");
  CHECK(store.changed_on_disk());
}

TEST_CASE("store: a named file that becomes a FIFO, a device or a directory is a change, never read",
          "[unit][store]") {
  ConfigFile file;
  file.write("secret-1\n", "password.txt");
  file.write("[modules.a]\npassword_file = \"password.txt\"\ninsecure_ignore_host_key = true\n");
  spe::ConfigStore store(load(file.path()));
  const spe::ConfigSnapshot before = store.current();
  const auto password = file.dir() / "password.txt";
  std::filesystem::remove(password);
  const auto [what, make] = GENERATE(table<std::string, std::function<void(const std::filesystem::path&)>>({
      {"a FIFO", [](const std::filesystem::path& p) { REQUIRE(::mkfifo(p.c_str(), 0600) == 0); }},
      {"a character device", [](const std::filesystem::path& p) { std::filesystem::create_symlink("/dev/zero", p); }},
      {"a directory", [](const std::filesystem::path& p) { std::filesystem::create_directory(p); }},
  }));
  CAPTURE(what);
  make(password);
  bool changed = false;
  CHECK(finishes_within(
      std::chrono::seconds(5), [&] { changed = store.changed_on_disk(); }, password));
  CHECK(changed);
  spe::ConfigResult<spe::ConfigSnapshot> reloaded = std::unexpected(spe::ConfigErrors{});
  CHECK(finishes_within(
      std::chrono::seconds(5), [&] { reloaded = store.reload(); }, password));
  REQUIRE_FALSE(reloaded.has_value());
  CHECK(reloaded.error().to_string() == "modules.a.password_file: cannot read \"" + password.string() +
                                            "\": not a regular file (" + what + ") at " + file.path() + ":2:17");
  CHECK(store.current() == before);
  // Tried once: the same state is no change at the next check.
  CHECK_FALSE(store.changed_on_disk());
}

TEST_CASE("store: a file over its size limit is a change, read no further than the limit", "[unit][store]") {
  ConfigFile file;
  file.write("secret-1\n", "password.txt");
  file.write("[modules.a]\npassword_file = \"password.txt\"\ninsecure_ignore_host_key = true\n");
  spe::ConfigStore store(load(file.path()));
  const std::size_t limit = spe::max_file_size(spe::SourceKind::secret);
  file.write(std::string(limit + 1, 'x'), "password.txt");
  CHECK(store.changed_on_disk());
  const auto reloaded = store.reload();
  REQUIRE_FALSE(reloaded.has_value());
  CHECK(reloaded.error().to_string() == "modules.a.password_file: cannot read \"" +
                                            (file.dir() / "password.txt").string() + "\": larger than the limit of " +
                                            std::to_string(limit) + " bytes at " + file.path() + ":2:17");
  CHECK_FALSE(store.changed_on_disk());
  file.write("secret-2\n", "password.txt");
  CHECK(store.changed_on_disk());
  REQUIRE(store.reload().has_value());
}

TEST_CASE("store: a reload with a bad jump host keeps the old snapshot", "[unit][store][jump]") {
  ConfigFile file;
  const std::string hop =
      "[jump_hosts.a]\nhost = \"a.example.com\"\npassword = \"x\"\ninsecure_ignore_host_key = true\n";
  const std::string through_a = module("m") + "jump_hosts = [\"a\"]\n";
  file.write(hop + through_a);
  spe::ConfigStore store(load(file.path()));
  const spe::ConfigSnapshot before = store.current();
  REQUIRE(before->modules.at("m").jump_chain.size() == 1);

  // a reached through itself.
  file.write(hop + "jump_hosts = [\"a\"]\n" + through_a);
  const auto cycle = store.reload();
  REQUIRE_FALSE(cycle.has_value());
  CHECK(cycle.error().to_string() ==
        "jump_hosts.a.jump_hosts[0]: jump hosts reached through each other: a -> a at " + file.path() + ":5:15");
  CHECK(store.current() == before);
  // A hop without host key verification.
  file.write("[jump_hosts.a]\nhost = \"a.example.com\"\npassword = \"x\"\n" + through_a);
  REQUIRE_FALSE(store.reload().has_value());
  CHECK(store.current() == before);

  file.write(hop + "port = 2222\n" + through_a);
  REQUIRE(store.reload().has_value());
  CHECK(store.current()->modules.at("m").jump_chain.at(0)->port == 2222);
}

TEST_CASE("store: the files a jump host names are files the config depends on", "[unit][store][jump]") {
  // In jump_hosts.toml only the hops name keys and secret files; the modules use inline passwords. The modules'
  // files come first, then the hops', each file once.
  const auto config = spe::load_config_file(kData + "/config/jump_hosts.toml");
  REQUIRE(config.has_value());
  CHECK(spe::config_source_files(*config) ==
        std::vector<spe::SourceFile>{{kData + "/config/jump_hosts.toml", spe::SourceKind::config},
                                     {kData + "/keys/known_hosts", spe::SourceKind::known_hosts},
                                     {kData + "/keys/id_ed25519", spe::SourceKind::key},
                                     {kData + "/keys/id_ed25519-cert.pub", spe::SourceKind::key},
                                     {kData + "/keys/id_ed25519_encrypted", spe::SourceKind::key},
                                     {kData + "/config/password.txt", spe::SourceKind::secret},
                                     {kData + "/config/passphrase.txt", spe::SourceKind::secret}});

  // A hop's secret file changing is a change on disk, and the reload reads it.
  ConfigFile file;
  file.write("hop-1\n", "password.txt");
  file.write(
      "[jump_hosts.a]\nhost = \"a.example.com\"\npassword_file = \"password.txt\"\n"
      "insecure_ignore_host_key = true\n" +
      module("m"));
  spe::ConfigStore store(load(file.path()));
  CHECK_FALSE(store.changed_on_disk());
  file.write("hop-2\n", "password.txt");
  CHECK(store.changed_on_disk());
  REQUIRE(store.reload().has_value());
  CHECK(store.current()->jump_hosts.at("a")->auth.password->reveal() == "hop-2");
}
