// The web config (--web.config.file): loading and its errors, bcrypt hash syntax, the Authorization
// header, and password verification with libxcrypt against hashes made by other tools.
#include "http/web_config.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>

#include "http/basic_auth.hpp"
#include "support/fifo_wait.hpp"
#include "support/temp_dir.hpp"

using namespace spe::http;

namespace {

using Users = std::map<std::string, std::string>;

// Made by `htpasswd -nbBC 10 prometheus 'correct horse'` (Apache's own bcrypt, not libxcrypt).
constexpr const char* kPrometheusHash = "$2y$10$k1Z1/eve.Mz8P6oUjT8zbehpJn8eLfNUKyyysg6lKQu35eYzrOsl.";
// `htpasswd -nbBC 4 alice 'pa:ss wörd'`: a colon in the password, UTF-8, the lowest cost.
constexpr const char* kAliceHash = "$2y$04$2ceVZa2XrjoGvRnY6xAt3uJCn2AOChv7z6H21vIqHB5dHYsyX19pG";
// Openwall's crypt_blowfish test vector: "U*U" with the $2a$ prefix.
constexpr const char* kOpenwallHash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

using spe::test::TempDir;

// "Basic " + base64("user:password"), spelled out so the test does not share the decoder's code.
std::string basic(std::string_view user_colon_password) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(user_colon_password[at]); };
  for (; i + 2 < user_colon_password.size(); i += 3) {
    const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (const std::size_t rest = user_colon_password.size() - i; rest > 0) {
    const unsigned n = (byte(i) << 16) | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return "Basic " + out;
}

}  // namespace

TEST_CASE("a web config with TLS and users loads, paths relative to its file", "[unit][web]") {
  const TempDir dir;
  dir.write("server.crt", "x\n");
  dir.write("server.key", "x\n");
  dir.write("ca.crt", "x\n");
  const std::string file = (dir.path() / "web.toml").string();
  const auto config = load_web_config_text(std::string("[tls]\n"
                                                       "cert_file = \"server.crt\"\n"
                                                       "key_file = \"server.key\"\n"
                                                       "client_ca_file = \"ca.crt\"\n"
                                                       "[basic_auth_users]\n"
                                                       "prometheus = \"") +
                                               kPrometheusHash + "\"\n\"alice smith\" = \"" + kAliceHash + "\"\n",
                                           file);
  REQUIRE(config);
  REQUIRE(config->tls);
  CHECK(config->tls->cert_file == (dir.path() / "server.crt").string());
  CHECK(config->tls->key_file == (dir.path() / "server.key").string());
  CHECK(config->tls->client_ca_file == (dir.path() / "ca.crt").string());
  CHECK(config->tls->key_file_at.to_string() == file + ":3:12");
  CHECK(config->basic_auth_users.size() == 2);
  CHECK(config->basic_auth_users.at("prometheus") == kPrometheusHash);
  CHECK(config->basic_auth_users.at("alice smith") == kAliceHash);
}

TEST_CASE("an empty web config means plain HTTP without authentication", "[unit][web]") {
  const auto config = load_web_config_text("", "web.toml");
  REQUIRE(config);
  CHECK_FALSE(config->tls);
  CHECK(config->basic_auth_users.empty());
}

TEST_CASE("web config mistakes name the key and file:line:column", "[unit][web]") {
  // Static: GENERATE evaluates its table once, and the test body runs once per row.
  static const TempDir dir;
  const std::string present = dir.write("present.pem", "x\n");
  const std::string file = (dir.path() / "web.toml").string();
  const std::string missing = (dir.path() / "missing.crt").string();
  const std::string bad_hash = "$2y$10$short";
  const auto [text, expected] = GENERATE_COPY(table<std::string, std::string>({
      {"listen = 1\n", "listen: unknown key at " + file + ":1:1"},
      {"tls = 5\n", "tls: must be a table at " + file + ":1:7"},
      {"[tls]\ncertfile = \"present.pem\"\n", "tls.certfile: unknown key at " + file + ":2:1"},
      {"[tls]\ncert_file = \"missing.crt\"\nkey_file = \"present.pem\"\n",
       "tls.cert_file: cannot read \"" + missing + "\": No such file or directory at " + file + ":2:13"},
      {"[tls]\ncert_file = \"present.pem\"\n",
       "tls.key_file: missing: [tls] needs cert_file and key_file at " + file + ":1:1"},
      {"[tls]\ncert_file = \"present.pem\"\nkey_file = 7\n", "tls.key_file: must be a string at " + file + ":3:12"},
      {"[tls]\ncert_file = \"present.pem\"\nkey_file = \"\"\n",
       "tls.key_file: must not be empty at " + file + ":3:12"},
      {"[tls]\ncert_file = \"present.pem\"\nkey_file = \".\"\n", "tls.key_file: cannot read \"" + dir.path().string() +
                                                                     "/\": not a regular file (a directory) at " +
                                                                     file + ":3:12"},
      {"[basic_auth_users]\nalice = \"" + bad_hash + "\"\n",
       "basic_auth_users.alice: must be a bcrypt hash (\"$2y$10$...\", as htpasswd -nbBC 10 USER PASSWORD prints) "
       "at " +
           file + ":2:9"},
      {"[basic_auth_users]\nbob = 3\n", "basic_auth_users.bob: must be a string (a bcrypt hash) at " + file + ":2:7"},
      {std::string("[basic_auth_users]\n\"a:b\" = \"") + kAliceHash + "\"\n",
       "basic_auth_users.\"a:b\": user name must be non-empty and contain no ':' at " + file + ":2:1"},
      {"basic_auth_users = [1]\n", "basic_auth_users: must be a table at " + file + ":1:20"},
  }));
  INFO(text);
  const auto config = load_web_config_text(text, file);
  REQUIRE_FALSE(config);
  CHECK(config.error().to_string() == expected);
}

TEST_CASE("a web config reports every mistake, each with its key and file:line:column", "[unit][web]") {
  const TempDir dir;
  dir.write("present.pem", "x\n");
  const std::string file = (dir.path() / "web.toml").string();
  // Four mistakes in three tables, in an order the loader does not read them in.
  const auto config = load_web_config_text(
      "[tls]\n"
      "cert_file = \"present.pem\"\n"
      "key_file = 7\n"
      "[basic_auth_users]\n"
      "bob = 3\n"
      "\"a:b\" = \"x\"\n"
      "[metrics]\n",
      file);
  REQUIRE_FALSE(config);
  CHECK(config.error().to_string() ==
        "tls.key_file: must be a string at " + file + ":3:12\n" +
            "basic_auth_users.bob: must be a string (a bcrypt hash) at " + file + ":5:7\n" +
            "basic_auth_users.\"a:b\": user name must be non-empty and contain no ':' at " + file + ":6:1\n" +
            "metrics: unknown key at " + file + ":7:2");
}

TEST_CASE("a [tls] table without its certificate and key names both", "[unit][web]") {
  const auto config = load_web_config_text("[tls]\nclient_ca_file = 3\n", "web.toml");
  REQUIRE_FALSE(config);
  CHECK(config.error().to_string() ==
        "tls.cert_file: missing: [tls] needs cert_file and key_file at web.toml:1:1\n"
        "tls.key_file: missing: [tls] needs cert_file and key_file at web.toml:1:1\n"
        "tls.client_ca_file: must be a string at web.toml:2:18");
}

TEST_CASE("web config: a FIFO named as a TLS file is refused at once, not waited on", "[unit][web]") {
  const TempDir dir;
  const std::string present = dir.write("present.pem", "x\n");
  const auto fifo = dir.path() / "key.pem";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string file = (dir.path() / "web.toml").string();
  spe::ConfigResult<WebConfig> config = WebConfig{};
  CHECK(spe::test::finishes_within(
      std::chrono::seconds(5),
      [&] { config = load_web_config_text("[tls]\ncert_file = \"present.pem\"\nkey_file = \"key.pem\"\n", file); },
      fifo));
  REQUIRE_FALSE(config);
  CHECK(config.error().to_string() ==
        "tls.key_file: cannot read \"" + fifo.string() + "\": not a regular file (a FIFO) at " + file + ":3:12");
}

TEST_CASE("web config: nesting deeper than the parser can take is an error with its position", "[unit][web]") {
  std::string text = "x";
  for (int i = 0; i < 50000; ++i) text += ".a";
  text += " = 1\n";
  const auto config = load_web_config_text(text, "web.toml");
  REQUIRE_FALSE(config);
  CHECK(config.error().to_string() ==
        "TOML nesting: keys, tables and arrays nested more than 64 levels deep at web.toml:1:128");
}

TEST_CASE("a TOML syntax error in the web config has its position", "[unit][web]") {
  const auto config = load_web_config_text("[tls]\ncert_file = \"a\nkey_file = 1\n", "web.toml");
  REQUIRE_FALSE(config);
  REQUIRE(config.error().errors.size() == 1);
  const spe::Error& error = config.error().errors[0];
  CHECK(error.message.starts_with("TOML syntax error: "));
  REQUIRE(error.where);
  CHECK(error.where->line == 2);
}

TEST_CASE("an unreadable web config file is one error naming it", "[unit][web]") {
  const auto config = load_web_config_file("/nonexistent/web.toml");
  REQUIRE_FALSE(config);
  REQUIRE(config.error().errors.size() == 1);
  const spe::Error& error = config.error().errors[0];
  CHECK(error.code == spe::ErrorCode::not_found);
  CHECK(error.message == "cannot read web config \"/nonexistent/web.toml\": No such file or directory");
}

TEST_CASE("bcrypt hashes are recognised by their syntax", "[unit][web]") {
  const auto [hash, valid] = GENERATE(table<std::string, bool>({
      {kPrometheusHash, true},
      {kAliceHash, true},
      {kOpenwallHash, true},
      {"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", true},
      {"$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", false},  // the buggy-era prefix
      {"$2y$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", false},  // cost below 4
      {"$2y$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", false},  // cost above 31
      {"$2y$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe", false},   // one short
      {"$2y$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe+", false},  // not bcrypt's base64
      {"$6$salt$hash", false},                                                  // sha512crypt
      {"correct horse", false},
      {"", false},
  }));
  INFO(hash);
  CHECK(is_bcrypt_hash(hash) == valid);
}

TEST_CASE("Authorization: Basic is decoded and split at the first colon", "[unit][web]") {
  SECTION("user and password") {
    const auto credentials = parse_basic_authorization("Basic cHJvbWV0aGV1czpjb3JyZWN0IGhvcnNl");
    REQUIRE(credentials);
    CHECK(credentials->user == "prometheus");
    CHECK(credentials->password == "correct horse");
  }
  SECTION("the scheme is case-insensitive and the password may hold colons") {
    const auto credentials = parse_basic_authorization("basic " + basic("alice:pa:ss").substr(6));
    REQUIRE(credentials);
    CHECK(credentials->user == "alice");
    CHECK(credentials->password == "pa:ss");
  }
  SECTION("an empty password") {
    const auto credentials = parse_basic_authorization(basic("bob:"));
    REQUIRE(credentials);
    CHECK(credentials->password.empty());
  }
  SECTION("malformed headers") {
    for (const std::string header : {"Bearer abc", "Basic", "Basic ", "Basic !!!!", "Basic cHJvbWV0aGV1cw==",
                                     "Basic cHJvbWV0aGV1czp", "Basic QQ=", "Basic QR==", "Basicx cHJvbWV0aGV1czp4"}) {
      INFO(header);
      CHECK_FALSE(parse_basic_authorization(header));
    }
  }
}

TEST_CASE("passwords are verified against bcrypt hashes made by htpasswd and crypt_blowfish", "[unit][web]") {
  BasicAuth auth(Users{{"prometheus", kPrometheusHash}, {"alice", kAliceHash}, {"openwall", kOpenwallHash}});
  CHECK(auth.verify(basic("alice:pa:ss wörd")));
  CHECK(auth.verify(basic("openwall:U*U")));
  CHECK_FALSE(auth.verify(basic("alice:pa:ss word")));
  CHECK_FALSE(auth.verify(basic("alice:")));
  CHECK_FALSE(auth.verify(basic("openwall:U*U*")));
  CHECK_FALSE(auth.verify(basic("Alice:pa:ss wörd")));    // user names are case-sensitive
  CHECK_FALSE(auth.verify(basic("mallory:pa:ss wörd")));  // an unknown user, even with a real password
  CHECK_FALSE(auth.verify("Basic " + std::string(kAliceHash)));
}

TEST_CASE("verdicts on Authorization headers are remembered, refusals too", "[unit][web]") {
  BasicAuth auth(Users{{"prometheus", kPrometheusHash}});
  const std::string good = basic("prometheus:correct horse");
  const std::string bad = basic("prometheus:correct horse!");
  const std::string unknown_user = basic("mallory:correct horse");
  CHECK_FALSE(auth.known_verdict(good).has_value());
  CHECK_FALSE(auth.known_verdict(bad).has_value());
  CHECK_FALSE(auth.verify(bad));
  CHECK(auth.known_verdict(bad) == std::optional<bool>(false));
  CHECK_FALSE(auth.known_verdict(good).has_value());  // a refusal says nothing of other passwords
  CHECK(auth.verify(good));
  CHECK(auth.known_verdict(good) == std::optional<bool>(true));
  CHECK_FALSE(auth.verify(unknown_user));
  CHECK(auth.known_verdict(unknown_user) == std::optional<bool>(false));
  // Headers with no Basic credentials need no bcrypt to be refused.
  for (const std::string header : {"Bearer abc", "Basic !!!!", "Basic cHJvbWV0aGV1cw=="}) {
    INFO(header);
    CHECK(auth.known_verdict(header) == std::optional<bool>(false));
  }
}
