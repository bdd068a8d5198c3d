// [jump_hosts.NAME] tables and the chains modules reach their targets through: what loads into the model, and
// every rule with the exact message and file:line:column of its error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "config/load.hpp"
#include "config/load_jump_hosts.hpp"
#include "support/temp_dir.hpp"

namespace {

const std::string kData = SPE_TEST_DATA;
// Relative paths in the texts below resolve against tests/data/config.
const std::string kFile = kData + "/config/x.toml";

// The errors of loading `text` as `file`, one a line, the name kFile written $F; "" when it loads.
std::string errors(const std::string& text, const std::string& file = kFile) {
  const auto result = spe::load_config_text(text, file);
  std::string out = result ? "" : result.error().to_string();
  for (auto at = out.find(kFile); at != std::string::npos; at = out.find(kFile, at))
    out.replace(at, kFile.size(), "$F");
  return out;
}

// `text` loaded as `file`; the test fails with the errors when it does not load.
spe::ExporterConfig loaded(const std::string& text, const std::string& file = kFile) {
  auto result = spe::load_config_text(text, file);
  if (!result) FAIL(result.error().to_string());
  return std::move(*result);
}

// A jump host that loads: 4 lines, then `extra`.
std::string hop(const std::string& name, const std::string& extra = "") {
  return "[jump_hosts." + name + "]\nhost = \"" + name + ".example.com\"\npassword = \"pw\"\n" +
         "insecure_ignore_host_key = true\n" + extra;
}

// A module that loads: 3 lines, then `extra`.
std::string module(const std::string& name, const std::string& extra = "") {
  return "[modules." + name + "]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n" + extra;
}

std::vector<std::string> names_of(const std::vector<spe::JumpHostPtr>& chain) {
  std::vector<std::string> out;
  for (const auto& hop : chain) out.push_back(hop->name);
  return out;
}

}  // namespace

TEST_CASE("jump hosts: every key loads into the model, paths absolute, the rest defaulted", "[unit][config][jump]") {
  const auto result = spe::load_config_file(kData + "/config/jump_hosts.toml");
  INFO((result ? std::string() : result.error().to_string()));
  REQUIRE(result.has_value());
  REQUIRE(result->jump_hosts.size() == 3);

  const spe::JumpHost& bastion = *result->jump_hosts.at("bastion");
  CHECK(bastion.name == "bastion");
  CHECK(bastion.host == "bastion.example.com");
  CHECK(bastion.port == 2222);
  CHECK(bastion.ip_protocol == spe::IpProtocol::ip4);
  CHECK(bastion.auth.user == "hop");
  REQUIRE(bastion.auth.key.has_value());
  CHECK(bastion.auth.key->key != nullptr);
  CHECK(bastion.auth.key->certificate_valid_before == 4102358400);
  CHECK(bastion.auth.private_key_path == kData + "/keys/id_ed25519");
  CHECK(bastion.auth.certificate_path == kData + "/keys/id_ed25519-cert.pub");
  CHECK(bastion.host_key.known_hosts == kData + "/keys/known_hosts");
  CHECK(bastion.host_key.known_hosts_entries != nullptr);
  CHECK(bastion.host_key.fingerprints ==
        std::vector<std::string>{"SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc"});
  CHECK(bastion.host_key.algorithms == std::vector<std::string>{"ssh-ed25519", "rsa-sha2-512"});
  CHECK_FALSE(bastion.host_key.insecure_ignore);
  CHECK(bastion.jump_hosts.empty());
  CHECK(bastion.where.to_string() == kData + "/config/jump_hosts.toml:4:1");

  const spe::JumpHost& inner = *result->jump_hosts.at("inner");
  CHECK(inner.port == 22);
  CHECK(inner.ip_protocol == spe::IpProtocol::ip6);
  CHECK_FALSE(inner.auth.user.empty());  // the user the tests run as
  CHECK(inner.jump_hosts == std::vector<std::string>{"bastion"});
  REQUIRE(inner.auth.key.has_value());  // decrypted with the inline passphrase
  CHECK(inner.auth.has_passphrase);
  REQUIRE(inner.auth.password.has_value());
  CHECK(inner.auth.password->reveal() == "hop-password-inline");

  const spe::JumpHost& side = *result->jump_hosts.at("side");
  CHECK(side.host == "2001:db8::7");
  CHECK(side.auth.key.has_value());
  CHECK(side.auth.passphrase_file == kData + "/config/passphrase.txt");
  CHECK(side.auth.password_file == kData + "/config/password.txt");
  CHECK(side.auth.password->reveal() == "probe-password");
  CHECK(side.host_key.insecure_ignore);
}

TEST_CASE("jump hosts: a module's chain is each listed hop's own chain, then the hop", "[unit][config][jump]") {
  const auto result = spe::load_config_file(kData + "/config/jump_hosts.toml");
  REQUIRE(result.has_value());
  const auto& hops = result->jump_hosts;
  CHECK(result->modules.at("direct").jump_hosts.empty());
  CHECK(result->modules.at("direct").jump_chain.empty());
  CHECK(result->modules.at("one_hop").jump_hosts == std::vector<std::string>{"bastion"});
  CHECK(result->modules.at("one_hop").jump_chain == std::vector{hops.at("bastion")});
  const spe::Module& deep = result->modules.at("deep");
  CHECK(deep.jump_hosts == std::vector<std::string>{"inner", "side"});
  // The same objects as in ExporterConfig::jump_hosts, shared, not copies.
  CHECK(deep.jump_chain == std::vector{hops.at("bastion"), hops.at("inner"), hops.at("side")});

  // Deeper nesting, in the order ssh -J would go: b is reached through a, d through c.
  const auto config = loaded(hop("a") + hop("b", "jump_hosts = [\"a\"]\n") + hop("c") +
                             hop("d", "jump_hosts = [\"c\"]\n") + module("m", "jump_hosts = [\"b\", \"d\"]\n"));
  CHECK(names_of(config.modules.at("m").jump_chain) == std::vector<std::string>{"a", "b", "c", "d"});
  // A hop that no module uses is fine.
  CHECK(loaded(hop("unused") + module("m")).jump_hosts.size() == 1);
}

TEST_CASE("jump hosts: a name that no [jump_hosts.NAME] defines is an error at that name", "[unit][config][jump]") {
  CHECK(errors(hop("a") + hop("c") + module("m", "jump_hosts = [\"a\", \"b\"]\n")) ==
        "modules.m.jump_hosts[1]: no [jump_hosts.NAME] named \"b\" (defined: a, c) at $F:12:20");
  // Every unknown name of the list, and in a hop's own list too.
  CHECK(errors(hop("a", "jump_hosts = [\"x\"]\n") + module("m", "jump_hosts = [\"y\", \"a\"]\n")) ==
        "jump_hosts.a.jump_hosts[0]: no [jump_hosts.NAME] named \"x\" (defined: a) at $F:5:15\n"
        "modules.m.jump_hosts[0]: no [jump_hosts.NAME] named \"y\" (defined: a) at $F:9:15");
  CHECK(errors(module("m", "jump_hosts = [\"bastion\"]\n")) ==
        "modules.m.jump_hosts[0]: no [jump_hosts.NAME] named \"bastion\" (none defined) at $F:4:15");
  // A long list of defined names is cut short.
  std::string many;
  for (int i = 10; i < 40; ++i) many += hop("h" + std::to_string(i));
  const std::string message = errors(many + module("m", "jump_hosts = [\"h9\"]\n"));
  CHECK(message ==
        "modules.m.jump_hosts[0]: no [jump_hosts.NAME] named \"h9\" (defined: h10, h11, h12, h13, "
        "h14, h15, h16, h17, h18, h19, h20, h21, h22, h23, h24, h25, h26, h27, h28, h29, and 10 "
        "more) at $F:124:15");
}

TEST_CASE("jump hosts: hops reached through each other are an error naming the cycle", "[unit][config][jump]") {
  // Said once, where the cycle closes; the module using it adds no error of its own.
  CHECK(errors(hop("a", "jump_hosts = [\"b\"]\n") + hop("b", "jump_hosts = [\"a\"]\n") +
               module("m", "jump_hosts = [\"a\"]\n")) ==
        "jump_hosts.b.jump_hosts[0]: jump hosts reached through each other: a -> b -> a at $F:10:15");
  CHECK(errors(hop("a", "jump_hosts = [\"a\"]\n") + module("m")) ==
        "jump_hosts.a.jump_hosts[0]: jump hosts reached through each other: a -> a at $F:5:15");
  // a leads into the cycle but is not part of it.
  CHECK(errors(hop("a", "jump_hosts = [\"b\"]\n") + hop("b", "jump_hosts = [\"c\"]\n") +
               hop("c", "jump_hosts = [\"z\", \"b\"]\n") + hop("z") + module("m", "jump_hosts = [\"a\"]\n")) ==
        "jump_hosts.c.jump_hosts[1]: jump hosts reached through each other: b -> c -> b at $F:15:20");
}

TEST_CASE("jump hosts: a chain may pass each hop once", "[unit][config][jump]") {
  CHECK(errors(hop("a") + module("m", "jump_hosts = [\"a\", \"a\"]\n")) ==
        "modules.m.jump_hosts[1]: jump host \"a\" would be in the chain twice: a -> a at $F:8:20");
  // After expansion: b is reached through a.
  CHECK(errors(hop("a") + hop("b", "jump_hosts = [\"a\"]\n") + module("m", "jump_hosts = [\"a\", \"b\"]\n")) ==
        "modules.m.jump_hosts[1]: jump host \"a\" would be in the chain twice: a -> a -> b at $F:13:20");
  // In a hop's own list, with the hop last.
  CHECK(errors(hop("a") + hop("b", "jump_hosts = [\"a\"]\n") + hop("c", "jump_hosts = [\"a\", \"b\"]\n") +
               module("m")) ==
        "jump_hosts.c.jump_hosts[1]: jump host \"a\" would be in the chain twice: a -> a -> b -> c at "
        "$F:14:20");
}

TEST_CASE("jump hosts: a chain holds at most kMaxJumpChain hops", "[unit][config][jump]") {
  REQUIRE(spe::kMaxJumpChain == 8);
  // h1 <- h2 <- ... <- h9, each reached through the one before.
  std::string nested = hop("h1");
  for (int i = 2; i <= 9; ++i)
    nested += hop("h" + std::to_string(i), "jump_hosts = [\"h" + std::to_string(i - 1) + "\"]\n");
  CHECK(errors(nested + module("m")) ==
        "jump_hosts.h9.jump_hosts[0]: a chain may hold 8 jump hosts at most, this one 9: h1 -> h2 -> h3 -> "
        "h4 -> h5 -> h6 -> h7 -> h8 -> h9 at $F:44:15");
  // Eight is fine.
  std::string eight = hop("h1");
  for (int i = 2; i <= 8; ++i)
    eight += hop("h" + std::to_string(i), "jump_hosts = [\"h" + std::to_string(i - 1) + "\"]\n");
  CHECK(loaded(eight + module("m", "jump_hosts = [\"h8\"]\n")).modules.at("m").jump_chain.size() == 8);

  // Listed in the module: one error, at the first name past the bound, however long the list.
  std::string flat;
  std::string list;
  for (int i = 1; i <= 20; ++i) {
    flat += hop("f" + std::to_string(i));
    list += std::string(i == 1 ? "" : ", ") + "\"f" + std::to_string(i) + "\"";
  }
  // "f9" is the ninth name: column 15 + 8 * 6 (`"fN", ` is 6 columns).
  CHECK(errors(flat + module("m", "jump_hosts = [" + list + "]\n")) ==
        "modules.m.jump_hosts[8]: a chain may hold 8 jump hosts at most, this one 9: f1 -> f2 -> f3 -> f4 -> "
        "f5 -> f6 -> f7 -> f8 -> f9 at $F:84:63");
}

TEST_CASE("jump hosts: each hop needs host key verification, as a module does", "[unit][config][jump]") {
  const std::string unverified = "[jump_hosts.a]\nhost = \"a.example.com\"\npassword = \"pw\"\n";
  CHECK(errors(unverified + module("m", "jump_hosts = [\"a\"]\n")) ==
        "jump_hosts.a: no host key verification: set known_hosts or host_key_fingerprints (or "
        "insecure_ignore_host_key = true to skip it) at $F:1:1");
  CHECK(errors(unverified + "insecure_ignore_host_key = false\n" + module("m")) ==
        "jump_hosts.a: no host key verification: set known_hosts or host_key_fingerprints (or "
        "insecure_ignore_host_key = true to skip it) at $F:1:1");
  CHECK(errors(unverified + "known_hosts = \"../keys/known_hosts\"\ninsecure_ignore_host_key = true\n" +
               module("m")) == "jump_hosts.a.insecure_ignore_host_key: true contradicts known_hosts at $F:5:28");
  CHECK(loaded(unverified + "known_hosts = \"../keys/known_hosts\"\n" + module("m", "jump_hosts = [\"a\"]\n"))
            .jump_hosts.at("a")
            ->host_key.known_hosts_entries != nullptr);
  CHECK(loaded(unverified + "insecure_ignore_host_key = true\n" + module("m"))
            .jump_hosts.at("a")
            ->host_key.insecure_ignore);
}

TEST_CASE("jump hosts: the keys a module has are refused with a module's messages", "[unit][config][jump]") {
  // Each line as the last key of a hop (line 5) and of a module (line 4): the same message, its own key path.
  using Row = std::tuple<std::string, std::string>;
  const auto [line, expected] = GENERATE(table<std::string, std::string>({
      Row{"port = 0\n", "port: must be an integer from 1 to 65535 at $F:L:8"},
      Row{"user = 42\n", "user: must be a string at $F:L:8"},
      Row{"ip_protocol = \"ipv4\"\n", "ip_protocol: must be \"ip4\" or \"ip6\" at $F:L:15"},
      Row{"host_key_algorithms = [\"ssh-dss\"]\n",
          "host_key_algorithms[0]: \"ssh-dss\": DSA is not built into this libssh at $F:L:24"},
      Row{"kex_algorithms = \"+diffie-hellman-group1-sha1,diffie-hellman-group9-sha1\"\n",
          "kex_algorithms: unknown algorithm \"diffie-hellman-group9-sha1\" (supported: curve25519-sha256,"
          "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
          "diffie-hellman-group18-sha512,diffie-hellman-group16-sha512,diffie-hellman-group-exchange-sha256,"
          "diffie-hellman-group14-sha256,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,"
          "diffie-hellman-group1-sha1) at $F:L:18"},
      Row{"password_file = \"password.txt\"\n", "password_file: cannot be used together with password at $F:L:17"},
      Row{"passphrase = \"x\"\n", "passphrase: needs private_key at $F:L:14"},
      Row{"certificate = \"../keys/id_ed25519-cert.pub\"\n", "certificate: needs private_key at $F:L:15"},
      Row{"private_key = \"../keys/id_ed25519_encrypted\"\n",
          "private_key: cannot decrypt private key \"" + kData +
              "/keys/id_ed25519_encrypted\" (wrong or missing passphrase?) at $F:L:15"},
  }));
  CAPTURE(line);
  const auto replace_line = [](std::string text, const std::string& number) {
    return text.replace(text.find("$F:L:") + 3, 1, number);
  };
  CHECK(errors(hop("a", line) + module("m")) == "jump_hosts.a." + replace_line(expected, "5"));
  CHECK(errors(module("m", line)) == "modules.m." + replace_line(expected, "4"));
}

TEST_CASE("jump hosts: host, names and keys of their own", "[unit][config][jump]") {
  using Row = std::tuple<std::string, std::string>;
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      // No timeout (the module's covers the chain), no allowed_targets, no commands.
      Row{hop("a", "timeout = \"5s\"\nallowed_targets = [\"127.0.0.1\"]\ncommand = \"true\"\ncolour = 1\n"),
          "jump_hosts.a.timeout: unknown key at $F:5:1\n"
          "jump_hosts.a.allowed_targets: unknown key at $F:6:1\n"
          "jump_hosts.a.command: unknown key at $F:7:1\n"
          "jump_hosts.a.colour: unknown key at $F:8:1"},
      Row{"[jump_hosts.a]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n",
          "jump_hosts.a: host is required at $F:1:1"},
      Row{"[jump_hosts.a]\nhost = \"\"\npassword = \"pw\"\ninsecure_ignore_host_key = true\n",
          "jump_hosts.a.host: must not be empty at $F:2:8"},
      Row{"[jump_hosts.a]\nhost = 22\npassword = \"pw\"\ninsecure_ignore_host_key = true\n",
          "jump_hosts.a.host: must be a string at $F:2:8"},
      Row{"[jump_hosts.a]\nhost = \"a.example.com:2222\"\npassword = \"pw\"\ninsecure_ignore_host_key = true\n",
          "jump_hosts.a.host: \"a.example.com:2222\" names a port: set it with port at $F:2:8"},
      Row{"[jump_hosts.a]\nhost = \"a b\"\npassword = \"pw\"\ninsecure_ignore_host_key = true\n",
          "jump_hosts.a.host: invalid character ' ' in host name at $F:2:8"},
      Row{"[jump_hosts.a]\nhost = \"a.example.com\"\ninsecure_ignore_host_key = true\n",
          "jump_hosts.a: no credentials: set private_key, password or password_file at $F:1:1"},
      Row{"[jump_hosts.\"a b\"]\nhost = \"a.example.com\"\npassword = \"pw\"\ninsecure_ignore_host_key = true\n",
          "jump_hosts.\"a b\": jump host name must match [A-Za-z0-9_.-]+ at $F:1:13"},
      Row{"jump_hosts = 1\n", "jump_hosts: must be a table at $F:1:14"},
      Row{"[jump_hosts]\na = 1\n", "jump_hosts.a: must be a table at $F:2:5"},
      Row{hop("a", "jump_hosts = \"b\"\n"), "jump_hosts.a.jump_hosts: must be an array of strings at $F:5:14"},
      Row{module("n", "jump_hosts = []\n"), "modules.n.jump_hosts: must not be empty at $F:4:14"},
      Row{module("n", "jump_hosts = [\"a\", 1]\n"), "modules.n.jump_hosts[1]: must be a string at $F:4:20"},
  }));
  CAPTURE(text);
  // A module after the text, so a config is never empty of modules.
  CHECK(errors(text + module("m")) == expected);
}

TEST_CASE("jump hosts: included files may define hops and use those of other files", "[unit][config][jump]") {
  spe::test::TempDir dir;
  const std::string main = (dir.path() / "exporter.toml").string();
  SECTION("a module of the main file through a hop of an included one, reached through a hop of the main file") {
    dir.write("hops/far.toml", hop("far", "jump_hosts = [\"near\"]\n") + module("inc", "jump_hosts = [\"near\"]\n"));
    const auto config = loaded("include = [\"hops/*.toml\"]\n" + hop("near") + module("m", "jump_hosts = [\"far\"]\n"),
                               main);
    CHECK(names_of(config.modules.at("m").jump_chain) == std::vector<std::string>{"near", "far"});
    CHECK(names_of(config.modules.at("inc").jump_chain) == std::vector<std::string>{"near"});
    CHECK(config.jump_hosts.at("far")->where.file == (dir.path() / "hops/far.toml").string());
  }
  SECTION("an error in an included file's list is at that file's position, after the main file's errors") {
    const std::string far = dir.write("hops/far.toml", hop("far", "jump_hosts = [\"nowhere\"]\n"));
    CHECK(errors("include = [\"hops/*.toml\"]\n" + module("m", "jump_hosts = [\"gone\"]\n"), main) ==
          "modules.m.jump_hosts[0]: no [jump_hosts.NAME] named \"gone\" (defined: far) at " + main + ":5:15\n" +
              "jump_hosts.far.jump_hosts[0]: no [jump_hosts.NAME] named \"nowhere\" (defined: far) at " + far +
              ":5:15");
  }
  SECTION("a hop defined twice names both places") {
    const std::string one = dir.write("hops/one.toml", "\n" + hop("a"));
    CHECK(errors("include = [\"hops/*.toml\"]\n" + hop("a") + module("m", "jump_hosts = [\"a\"]\n"), main) ==
          "jump_hosts.a: jump host also defined at " + main + ":2:1 at " + one + ":2:1");
  }
  SECTION("a module and a jump host may share a name") {
    CHECK(loaded(hop("web") + module("web", "jump_hosts = [\"web\"]\n"), main).modules.at("web").jump_chain.size() ==
          1);
  }
}

TEST_CASE("jump hosts: secret files group or others may read are warned about, as for modules",
          "[unit][config][jump]") {
  spe::test::TempDir dir;
  const std::string main = (dir.path() / "exporter.toml").string();
  const std::string password = dir.write("password", "pw\n", 0644);
  const auto config = loaded(
      "[jump_hosts.a]\nhost = \"a.example.com\"\npassword_file = \"password\"\n"
      "insecure_ignore_host_key = true\n" +
          module("m", "allowed_targets = [\"127.0.0.1\"]\njump_hosts = [\"a\"]\n"),
      main);
  REQUIRE(config.warnings.size() == 1);
  CHECK(config.warnings[0].to_string() == "jump_hosts.a.password_file: permissions 0644 for \"" + password +
                                              "\" are too open: group or others may read this secret (chmod 600 it) "
                                              "at " +
                                              main + ":3:17");
  dir.write("password", "pw\n", 0600);
  CHECK(loaded("[jump_hosts.a]\nhost = \"a.example.com\"\npassword_file = \"password\"\n"
               "insecure_ignore_host_key = true\n" +
                   module("m", "allowed_targets = [\"127.0.0.1\"]\njump_hosts = [\"a\"]\n"),
               main)
            .warnings.empty());
}

TEST_CASE("jump hosts: config errors never contain a hop's password or passphrase", "[unit][config][jump]") {
  const std::string secret = "Tr0ub4dor-and-3";
  const auto text = GENERATE_COPY(
      "[jump_hosts.a]\nhost = \"a.example.com\"\npassword = \"" + secret + "\"\npassword_file = \"password.txt\"\n",
      "[jump_hosts.a]\nhost = \"a.example.com\"\nprivate_key = \"../keys/id_ed25519_encrypted\"\npassphrase = \"" +
          secret + "\"\ninsecure_ignore_host_key = true\n",
      "[jump_hosts.a]\nhost = \"a.example.com\"\npassword = [\"" + secret + "\"]\n",
      "[jump_hosts.a]\nhost = \"a.example.com\"\npassphrase = \"" + secret + "\"\ninsecure_ignore_host_key = true\n");
  CAPTURE(text);
  const std::string message = errors(text + module("m", "jump_hosts = [\"b\"]\n"));
  CAPTURE(message);
  CHECK_FALSE(message.empty());
  CHECK(message.find(secret) == std::string::npos);
  CHECK(message.find("Tr0ub4dor") == std::string::npos);
}

TEST_CASE("jump hosts: a chain nested deeper than the bound is one error, whatever the depth",
          "[unit][config][jump]") {
  // z1 is reached through z2, z2 through z3, ...: resolving z1 first goes down the whole nesting. 20,000 hops
  // deep took the resolver that deep into recursion; it stops one past the bound.
  constexpr int kDepth = 20000;
  std::string text;
  for (int i = 1; i < kDepth; ++i) {
    text += "[jump_hosts.z" + std::to_string(i) + "]\nhost = \"z.example.com\"\njump_hosts = [\"z" +
            std::to_string(i + 1) + "\"]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n";
  }
  text += hop("z" + std::to_string(kDepth)) + module("m", "jump_hosts = [\"z1\"]\n");
  const std::string message = errors(text);
  CHECK(
      message.starts_with("jump_hosts.z8.jump_hosts[0]: a chain may hold 8 jump hosts at most, this one at least "
                          "9: z9 -> z8 -> z7 -> z6 -> z5 -> z4 -> z3 -> z2 -> z1 at $F:38:15\n"));
  // Further down, each hop whose chain is resolved from there on is reported at its own list, bounded the same way.
  CHECK(std::count(message.begin(), message.end(), '\n') < kDepth);
}
