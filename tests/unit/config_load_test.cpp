#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "config/load.hpp"
#include "support/temp_dir.hpp"

namespace {

const std::string kData = SPE_TEST_DATA;
// Relative paths in the texts below resolve against tests/data/config.
const std::string kFile = kData + "/config/x.toml";

// "$F" -> the config file name, "$D" -> tests/data, so expected messages stay readable.
std::string expand(std::string text) {
  for (const auto& [token, value] : {std::pair{"$F", kFile}, std::pair{"$D", kData}}) {
    for (auto pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos)) {
      text.replace(pos, 2, value);
      pos += value.size();
    }
  }
  return text;
}

spe::ConfigErrors errors_of(const std::string& text) {
  const auto result = spe::load_config_text(expand(text), kFile);
  REQUIRE_FALSE(result.has_value());
  return result.error();
}

// The warnings of a config that loads.
std::vector<std::string> warnings_of(const std::string& text, const std::string& file = kFile) {
  const auto config = spe::load_config_text(text, file);
  INFO((config ? std::string() : config.error().to_string()));
  REQUIRE(config.has_value());
  std::vector<std::string> out;
  for (const auto& warning : config->warnings) out.push_back(warning.to_string());
  return out;
}

const std::string kSupportedHostKeys =
    "ssh-ed25519,ecdsa-sha2-nistp521,ecdsa-sha2-nistp384,ecdsa-sha2-nistp256,sk-ssh-ed25519@openssh.com,"
    "sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256,ssh-rsa";
const std::string kSupportedMacs =
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,"
    "hmac-sha1-etm@openssh.com,hmac-sha1";

}  // namespace

TEST_CASE("a config using every key loads into the model with absolute paths", "[unit][config]") {
  const auto result = spe::load_config_file(kData + "/config/good.toml");
  INFO((result ? std::string() : result.error().to_string()));
  REQUIRE(result.has_value());
  const spe::ExporterConfig& config = *result;
  CHECK(config.file == kData + "/config/good.toml");
  REQUIRE(config.modules.size() == 4);

  const spe::Module* key = config.find_module("key");
  REQUIRE(key != nullptr);
  CHECK(key->name == "key");
  CHECK(key->port == 2222);
  CHECK(key->auth.user == "probe");
  CHECK(key->timeout == std::chrono::milliseconds(2500));
  CHECK(key->ip_protocol == spe::IpProtocol::ip4);
  CHECK(key->where.line == 3);
  CHECK(key->where.column == 1);
  CHECK(key->host_key.known_hosts == kData + "/keys/known_hosts");
  CHECK(key->host_key.fingerprints == std::vector<std::string>{"SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc"});
  CHECK(key->host_key.algorithms == std::vector<std::string>{"ssh-ed25519", "rsa-sha2-512"});
  CHECK_FALSE(key->host_key.insecure_ignore);
  REQUIRE(key->auth.key.has_value());
  CHECK(key->auth.key->key != nullptr);
  CHECK(key->auth.key->key_path == kData + "/keys/id_ed25519");
  CHECK(key->auth.key->certificate_path == kData + "/keys/id_ed25519-cert.pub");
  CHECK(key->auth.key->certificate_valid_before == 4102358400);
  CHECK(key->auth.private_key_path == kData + "/keys/id_ed25519");
  CHECK(key->auth.certificate_path == kData + "/keys/id_ed25519-cert.pub");
  CHECK_FALSE(key->auth.has_passphrase);
  CHECK_FALSE(key->auth.password.has_value());

  const spe::Module* encrypted = config.find_module("encrypted");
  REQUIRE(encrypted != nullptr);
  REQUIRE(encrypted->auth.key.has_value());
  CHECK(encrypted->auth.key->key != nullptr);
  CHECK(encrypted->auth.has_passphrase);
  CHECK(encrypted->auth.passphrase_file == kData + "/config/passphrase.txt");
  CHECK_FALSE(encrypted->auth.key->certificate_valid_before.has_value());

  const spe::Module* inline_secrets = config.find_module("inline_secrets");
  REQUIRE(inline_secrets != nullptr);
  CHECK(inline_secrets->auth.key.has_value());
  CHECK(inline_secrets->auth.has_passphrase);
  CHECK(inline_secrets->auth.passphrase_file.empty());
  REQUIRE(inline_secrets->auth.password.has_value());
  CHECK(inline_secrets->auth.password->reveal() == "inline-password");
  CHECK(inline_secrets->host_key.known_hosts.empty());

  const spe::Module* defaults = config.find_module("defaults");
  REQUIRE(defaults != nullptr);
  REQUIRE(defaults->auth.password.has_value());
  CHECK(defaults->auth.password->reveal() == "probe-password");
  CHECK(defaults->auth.password_file == kData + "/config/password.txt");
  CHECK(defaults->host_key.insecure_ignore);
}

TEST_CASE("a module without the optional keys gets the documented defaults", "[unit][config]") {
  const auto result = spe::load_config_text("[modules.default]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n",
                                            kFile);
  REQUIRE(result.has_value());
  const spe::Module& module = result->modules.at("default");
  CHECK(module.port == 22);
  CHECK(module.timeout == std::chrono::seconds(10));
  CHECK(module.ip_protocol == spe::IpProtocol::ip6);
  CHECK_FALSE(module.auth.user.empty());  // the user the tests run as
  CHECK_FALSE(module.auth.key.has_value());
  CHECK(module.host_key.algorithms.empty());
  CHECK(module.host_key.fingerprints.empty());
  CHECK_FALSE(module.banner_comment);
  CHECK(result->file == kFile);
}

TEST_CASE("banner_comment keeps the banner's comment; it must be a boolean", "[unit][config]") {
  const auto result = spe::load_config_text(
      "[modules.a]\npassword = \"pw\"\ninsecure_ignore_host_key = true\nbanner_comment = true\n", kFile);
  REQUIRE(result.has_value());
  CHECK(result->modules.at("a").banner_comment);
  CHECK(errors_of("[modules.a]\npassword = \"pw\"\ninsecure_ignore_host_key = true\nbanner_comment = \"yes\"\n")
            .to_string() == "modules.a.banner_comment: must be a boolean (true or false) at " + kFile + ":4:18");
}

TEST_CASE("a config with no module is an error, however empty", "[unit][config]") {
  const std::string text = GENERATE(as<std::string>{}, "", "# nothing yet\n", "[modules]\n");
  CAPTURE(text);
  CHECK(errors_of(text).to_string() ==
        "modules: none defined: a config needs at least one [modules.NAME] table at " + kFile + ":1:1");
  // Already wrong for another reason: that reason alone.
  CHECK(errors_of("modules = 1\n").to_string() == "modules: must be a table at " + kFile + ":1:11");
}

TEST_CASE("a key nested deeper than the parser can take is an error naming the place", "[unit][config]") {
  // x.a.a...a = 1 with 50,000 parts made toml++ overflow its stack.
  std::string deep = "[modules.a]\npassword = \"pw\"\ninsecure_ignore_host_key = true\nx";
  for (int i = 0; i < 50000; ++i) deep += ".a";
  deep += " = 1\n";
  CHECK(errors_of(deep).to_string() ==
        "TOML nesting: keys, tables and arrays nested more than 64 levels deep at " + kFile + ":4:124");
}

TEST_CASE("secret files group or others may read load with a warning naming the file and its mode", "[unit][config]") {
  const spe::test::TempDir scratch{"spe-modes"};
  const std::filesystem::path& dir = scratch.path();
  const std::string file = (dir / "exporter.toml").string();
  std::filesystem::copy_file(kData + "/keys/id_ed25519", dir / "key");
  std::ofstream(dir / "password") << "pw\n";
  std::ofstream(dir / "passphrase") << "unused\n";
  const std::string text =
      "[modules.a]\nprivate_key = \"key\"\ninsecure_ignore_host_key = true\nallowed_targets = [\"127.0.0.1\"]\n"
      "[modules.b]\npassword_file = \"password\"\ninsecure_ignore_host_key = true\nallowed_targets = "
      "[\"127.0.0.1\"]\n";
  const auto warnings = [&] { return warnings_of(text, file); };
  const auto chmod = [&](const char* name, std::filesystem::perms perms) {
    std::filesystem::permissions(dir / name, perms, std::filesystem::perm_options::replace);
  };
  using std::filesystem::perms;
  chmod("key", perms::owner_read | perms::owner_write);
  chmod("password", perms::owner_read);
  CHECK(warnings().empty());

  chmod("key", perms::owner_read | perms::owner_write | perms::group_read);
  chmod("password", perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
  CHECK(warnings() ==
        std::vector<std::string>{
            "modules.a.private_key: permissions 0640 for \"" + (dir / "key").string() +
                "\" are too open: group or others may read this secret (chmod 600 it) at " + file + ":2:15",
            "modules.b.password_file: permissions 0644 for \"" + (dir / "password").string() +
                "\" are too open: group or others may read this secret (chmod 600 it) at " + file + ":6:17"});
}

TEST_CASE("a module that sends its password to any host is loaded with a warning naming it", "[unit][config]") {
  const std::string anyone = "password = \"pw\"\ninsecure_ignore_host_key = true\n";
  CHECK(warnings_of("[modules.open]\n" + anyone) ==
        std::vector<std::string>{"modules.open: sends its password to any target without checking the host key "
                                 "(insecure_ignore_host_key = true and no allowed_targets): set allowed_targets, or "
                                 "known_hosts or host_key_fingerprints at " +
                                 kFile + ":1:1"});
  // Any of the three makes it safe: a list of targets, a verified host key, or no password.
  CHECK(warnings_of("[modules.listed]\n" + anyone + "allowed_targets = [\"127.0.0.1\"]\n").empty());
  CHECK(warnings_of("[modules.verified]\npassword = \"pw\"\nknown_hosts = \"../keys/known_hosts\"\n").empty());
}

TEST_CASE("secret files lose exactly one trailing newline", "[unit][config]") {
  const auto result = spe::load_config_text(
      "[modules.a]\npassword_file = \"password_crlf.txt\"\ninsecure_ignore_host_key = true\n", kFile);
  REQUIRE(result.has_value());
  CHECK(result->modules.at("a").auth.password->reveal() == "crlf-password");
}

TEST_CASE("each bad config is reported with its key path and position", "[unit][config]") {
  using Row = std::tuple<std::string, std::string>;
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\ncolour = \"blue\"\n",
          "modules.web.colour: unknown key at $F:4:1"},
      Row{"scrape_interval = \"10s\"\n[modules.web]\npassword = \"pw\"\n"
          "insecure_ignore_host_key = true\n",
          "scrape_interval: unknown key at $F:1:1"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\nuser = 42\n",
          "modules.web.user: must be a string at $F:4:8"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = \"yes\"\n",
          "modules.web.insecure_ignore_host_key: must be a boolean (true or false) at $F:3:28"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\nport = 0\n",
          "modules.web.port: must be an integer from 1 to 65535 at $F:4:8"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\nport = 70000\n",
          "modules.web.port: must be an integer from 1 to 65535 at $F:4:8"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\nport = \"22\"\n",
          "modules.web.port: must be an integer from 1 to 65535 at $F:4:8"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\ntimeout = \"5x\"\n",
          "modules.web.timeout: invalid duration \"5x\": unknown unit \"x\" at $F:4:11"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\ntimeout = 10\n",
          "modules.web.timeout: must be a duration string such as \"10s\" at $F:4:11"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\ntimeout = \"0s\"\n",
          "modules.web.timeout: must be greater than 0 at $F:4:11"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n"
          "ip_protocol = \"ipv4\"\n",
          "modules.web.ip_protocol: must be \"ip4\" or \"ip6\" at $F:4:15"},
      Row{"[modules.web]\npassword = \"pw\"\n",
          "modules.web: no host key verification: set known_hosts or host_key_fingerprints (or "
          "insecure_ignore_host_key = true to skip it) at $F:1:1"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = false\n",
          "modules.web: no host key verification: set known_hosts or host_key_fingerprints (or "
          "insecure_ignore_host_key = true to skip it) at $F:1:1"},
      Row{"[modules.web]\npassword = \"pw\"\nknown_hosts = \"../keys/known_hosts\"\n"
          "insecure_ignore_host_key = true\n",
          "modules.web.insecure_ignore_host_key: true contradicts known_hosts at $F:4:28"},
      Row{"[modules.web]\npassword = \"pw\"\nknown_hosts = \"missing_known_hosts\"\n",
          "modules.web.known_hosts: cannot read \"$D/config/missing_known_hosts\": No such file or "
          "directory at $F:3:15"},
      Row{"[modules.web]\npassword = \"pw\"\nknown_hosts = \"../keys\"\n",
          "modules.web.known_hosts: cannot read \"$D/keys\": not a regular file (a directory) at $F:3:15"},
      Row{"[modules.web]\npassword = \"pw\"\n"
          "host_key_fingerprints = [\"SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc\", "
          "\"MD5:16:27:ac\"]\n",
          "modules.web.host_key_fingerprints[1]: \"MD5:16:27:ac\" is not a SHA256 fingerprint "
          "(\"SHA256:\" and 43 base64 characters, as ssh-keygen -lf prints, optionally after the key type: "
          "\"ssh-rsa SHA256:...\") at $F:3:80"},
      Row{"[modules.web]\npassword = \"pw\"\n"
          "host_key_fingerprints = [\"ssh-dss SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc\"]\n",
          "modules.web.host_key_fingerprints[0]: unknown host key type \"ssh-dss\" (supported: ssh-ed25519, "
          "ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa, sk-ssh-ed25519@openssh.com, "
          "sk-ecdsa-sha2-nistp256@openssh.com) at $F:3:26"},
      Row{"[modules.web]\npassword = \"pw\"\nhost_key_fingerprints = \"SHA256:x\"\n",
          "modules.web.host_key_fingerprints: must be an array of strings at $F:3:25"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n"
          "host_key_algorithms = [\"ssh-ed25519-cert-v01@openssh.com\"]\n",
          "modules.web.host_key_algorithms[0]: \"ssh-ed25519-cert-v01@openssh.com\" is a host "
          "certificate type, which libssh 0.10 does not support; use the plain key type and "
          "known_hosts or host_key_fingerprints at $F:4:24"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n"
          "host_key_algorithms = [\"ssh-ed25519\", \"ssh-dss\"]\n",
          "modules.web.host_key_algorithms[1]: \"ssh-dss\": DSA is not built into this libssh at $F:4:39"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n"
          "host_key_algorithms = [\"ssh-ed25519\", \"ssh-ed448\"]\n",
          "modules.web.host_key_algorithms[1]: unknown algorithm \"ssh-ed448\" (supported: " + kSupportedHostKeys +
              ") at $F:4:39"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\nmacs = \"+hmac-md5\"\n",
          "modules.web.macs: unknown algorithm \"hmac-md5\" (supported: " + kSupportedMacs + ") at $F:4:8"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n"
          "kex_algorithms = [\"curve25519-sha256\", \"ext-info-c\"]\n",
          "modules.web.kex_algorithms[1]: \"ext-info-c\" is not a key exchange method: libssh adds it to its "
          "offer itself at $F:4:40"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n"
          "ciphers = \"-chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,"
          "aes192-ctr,aes128-ctr\"\n",
          "modules.web.ciphers: leaves no algorithm to offer (libssh's default: chacha20-poly1305@openssh.com,"
          "aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr) at $F:4:11"},
      Row{"[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\nciphers = 3\n",
          "modules.web.ciphers: must be a string in OpenSSH syntax (\"+a,b\", \"-a\", \"^a\", \"a,b\") or an "
          "array of names at $F:4:11"},
      Row{"[modules.web]\nprivate_key = \"../keys/id_ed25519\"\ninsecure_ignore_host_key = true\n"
          "pubkey_accepted_algorithms = \"rsa-sha2-512,ssh-rsa\"\n",
          "modules.web.pubkey_accepted_algorithms: names no algorithm the ssh-ed25519 key of private_key can sign "
          "with at $F:4:30"},
      Row{"[modules.web]\ninsecure_ignore_host_key = true\n",
          "modules.web: no credentials: set private_key, password or password_file at $F:1:1"},
      Row{"[modules.web]\npassword = \"pw\"\npassphrase = \"secret\"\n"
          "insecure_ignore_host_key = true\n",
          "modules.web.passphrase: needs private_key at $F:3:14"},
      Row{"[modules.web]\npassword = \"pw\"\ncertificate = \"../keys/id_ed25519-cert.pub\"\n"
          "insecure_ignore_host_key = true\n",
          "modules.web.certificate: needs private_key at $F:3:15"},
      Row{"[modules.web]\npassword = \"pw\"\npassword_file = \"password.txt\"\n"
          "insecure_ignore_host_key = true\n",
          "modules.web.password_file: cannot be used together with password at $F:3:17"},
      Row{"[modules.web]\nprivate_key = \"../keys/id_ed25519_encrypted\"\npassphrase = \"pw\"\n"
          "passphrase_file = \"passphrase.txt\"\ninsecure_ignore_host_key = true\n",
          "modules.web.passphrase_file: cannot be used together with passphrase at $F:4:19"},
      Row{"[modules.web]\nprivate_key = \"missing_key\"\ninsecure_ignore_host_key = true\n",
          "modules.web.private_key: cannot read private key \"$D/config/missing_key\": No such "
          "file or directory at $F:2:15"},
      Row{"[modules.web]\nprivate_key = \"../keys/id_ed25519.pub\"\n"
          "insecure_ignore_host_key = true\n",
          "modules.web.private_key: private key \"$D/keys/id_ed25519.pub\" is not in OpenSSH or "
          "PEM format at $F:2:15"},
      Row{"[modules.web]\nprivate_key = \"../keys/id_ed25519_encrypted\"\n"
          "passphrase = \"not-the-passphrase\"\ninsecure_ignore_host_key = true\n",
          "modules.web.private_key: cannot decrypt private key \"$D/keys/id_ed25519_encrypted\" "
          "(wrong or missing passphrase?) at $F:2:15"},
      Row{"[modules.web]\nprivate_key = \"../keys/id_ed25519_encrypted\"\n"
          "insecure_ignore_host_key = true\n",
          "modules.web.private_key: cannot decrypt private key \"$D/keys/id_ed25519_encrypted\" "
          "(wrong or missing passphrase?) at $F:2:15"},
      Row{"[modules.web]\nprivate_key = \"../keys/id_ed25519\"\n"
          "certificate = \"../keys/id_ed25519_encrypted-cert.pub\"\n"
          "insecure_ignore_host_key = true\n",
          "modules.web.certificate: certificate \"$D/keys/id_ed25519_encrypted-cert.pub\" is not "
          "for private key \"$D/keys/id_ed25519\" at $F:3:15"},
      Row{"[modules.web]\nprivate_key = \"../keys/id_ed25519\"\n"
          "certificate = \"../keys/missing-cert.pub\"\ninsecure_ignore_host_key = true\n",
          "modules.web.certificate: cannot read certificate \"$D/keys/missing-cert.pub\": No such "
          "file or directory at $F:3:15"},
      Row{"[modules.web]\npassword_file = \"missing_password\"\ninsecure_ignore_host_key = true\n",
          "modules.web.password_file: cannot read \"$D/config/missing_password\": No such file or "
          "directory at $F:2:17"},
      Row{"[modules.web]\npassword = \"\"\ninsecure_ignore_host_key = true\n",
          "modules.web.password: must not be empty at $F:2:12"},
      Row{"[modules.\"web server\"]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n",
          "modules.\"web server\": module name must match [A-Za-z0-9_.-]+ at $F:1:10"},
      Row{"[modules]\nweb = 1\n", "modules.web: must be a table at $F:2:7"},
      Row{"modules = [\"web\"]\n", "modules: must be a table at $F:1:11"},
      Row{"[modules.web]\npassword = \"pw\"\nport = 22\nport = 23\n",
          "TOML syntax error: Error while parsing key-value pair: cannot redefine existing "
          "integer 'port' at $F:4:8"},
      Row{"[modules.web\npassword = \"pw\"\n",
          "TOML syntax error: Error while parsing table header: expected ']', saw '\\n' at "
          "$F:1:13"},
  }));
  CAPTURE(text);
  const spe::ConfigErrors errors = errors_of(text);
  CHECK(errors.to_string() == expand(expected));
  REQUIRE(errors.errors.size() == 1);
  CHECK(errors.errors[0].code == spe::ErrorCode::invalid_argument);
}

TEST_CASE("every problem in a config is reported, in file order", "[unit][config]") {
  const spe::ConfigErrors errors = errors_of(
      "[modules.b]\n"
      "port = 0\n"
      "timeout = \"fast\"\n"
      "[modules.a]\n"
      "password = \"pw\"\n"
      "colour = \"blue\"\n"
      "insecure_ignore_host_key = true\n"
      "known_hosts = \"../keys/known_hosts\"\n");
  CHECK(errors.to_string() ==
        expand("modules.b: no host key verification: set known_hosts or host_key_fingerprints (or "
               "insecure_ignore_host_key = true to skip it) at $F:1:1\n"
               "modules.b: no credentials: set private_key, password or password_file at $F:1:1\n"
               "modules.b.port: must be an integer from 1 to 65535 at $F:2:8\n"
               "modules.b.timeout: invalid duration \"fast\": expected a number at \"fast\" at $F:3:11\n"
               "modules.a.colour: unknown key at $F:6:1\n"
               "modules.a.insecure_ignore_host_key: true contradicts known_hosts at $F:7:28"));
  CHECK(errors.errors.size() == 6);
  for (const spe::Error& error : errors.errors) {
    REQUIRE(error.where.has_value());
    CHECK(error.where->file == kFile);
  }
}

TEST_CASE("config errors never contain a password or passphrase", "[unit][config]") {
  const std::string secret = "Tr0ub4dor-and-3";
  const auto text =
      GENERATE_COPY(std::string("[modules.web]\npassword = 31415926535\ninsecure_ignore_host_key = true\n"),
                    "[modules.web]\npassword = [\"" + secret + "\"]\ninsecure_ignore_host_key = true\n",
                    "[modules.web]\npassword = { value = \"" + secret + "\" }\n",
                    "[modules.web]\npassword = \"" + secret + "\"\npassword_file = \"password.txt\"\n",
                    "[modules.web]\nprivate_key = \"../keys/id_ed25519_encrypted\"\npassphrase = \"" + secret +
                        "\"\ninsecure_ignore_host_key = true\n",
                    "[modules.web]\npassphrase = \"" + secret + "\"\ninsecure_ignore_host_key = true\n",
                    "[modules.web]\npassphrase = 31415926535\n",
                    "[modules.web]\npassword = \"" + secret + "\ninsecure_ignore_host_key = true\n",
                    "[modules.web]\npassword = " + secret + "\n");
  CAPTURE(text);
  const std::string message = errors_of(text).to_string();
  CAPTURE(message);
  CHECK(message.find(secret) == std::string::npos);
  CHECK(message.find("31415926535") == std::string::npos);
  CHECK(message.find("Tr0ub4dor") == std::string::npos);
}

TEST_CASE("an unreadable config file is one error naming the file", "[unit][config]") {
  const auto result = spe::load_config_file(kData + "/config/missing.toml");
  REQUIRE_FALSE(result.has_value());
  REQUIRE(result.error().errors.size() == 1);
  CHECK(result.error().errors[0].code == spe::ErrorCode::not_found);
  CHECK(result.error().to_string() ==
        "cannot read config file \"" + kData + "/config/missing.toml\": No such file or directory");
}
