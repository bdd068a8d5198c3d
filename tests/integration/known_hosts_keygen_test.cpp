// The known_hosts parser against the real OpenSSH: for every name, the lines it finds are the lines
// `ssh-keygen -F` finds, in files written plain and hashed by `ssh-keygen -H`. (The parser's own cases, with no
// external program, are in tests/unit/known_hosts_test.cpp.)
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "config/known_hosts.hpp"
#include "support/known_hosts_sample.hpp"
#include "support/temp_dir.hpp"

using spe::KnownHosts;
using namespace spe::test;

namespace {

// Names to look up in kMixed and in its hashed copies; lowercase, as ssh forms them.
const std::vector<std::string> kQueries{
    "example.com",   "[example.com]:2222", "www.example.org",  "bad.example.org", "192.168.1.5",
    "192.168.1.50",  "[127.0.0.1]:2222",   "127.0.0.1",        "10.0.0.1",        "mixed.case.net",
    "[x.wild]:2200", "sk.example.com",     "host.example.com", "alias",           "only.negated.test",
    "other.test",    "www.example.com",    "[10.0.0.1]:2222",
};

// Runs ssh-keygen with args and returns what it printed; exit status 1 (host not found) is not a failure.
std::string run_ssh_keygen(std::vector<std::string> args) {
  args.insert(args.begin(), "ssh-keygen");
  const auto result = spe::test::run_command(args);
  INFO(result.output);
  REQUIRE(result.exit_code >= 0);
  REQUIRE(result.exit_code <= 1);
  return result.output;
}

// The line numbers of "# Host NAME found: line N [CA|REVOKED]" that `ssh-keygen -F` prints.
std::vector<std::size_t> ssh_keygen_find(const std::string& file, const std::string& name) {
  std::vector<std::size_t> lines;
  std::istringstream out(run_ssh_keygen({"-F", name, "-f", file}));
  const std::string prefix = "# Host " + name + " found: line ";
  for (std::string line; std::getline(out, line);) {
    if (line.starts_with(prefix)) lines.push_back(std::stoul(line.substr(prefix.size())));
  }
  return lines;
}

// Asserts that the parsed `file` names the same lines for every query as ssh-keygen -F does.
void require_same_lines_as_ssh_keygen(const std::string& file) {
  const KnownHosts known(file, read_file(file));
  CHECK(known.skipped_count() == 0);
  for (const std::string& name : kQueries) {
    INFO("file " << file << ", host " << name);
    CHECK(known.lines_for(name) == ssh_keygen_find(file, name));
  }
}

}  // namespace

TEST_CASE("known_hosts: a host's lines are the lines ssh-keygen -F finds", "[integration][known_hosts]") {
  TempDir dir;
  const std::string plain = dir.write("plain", kMixed);
  SECTION("plain names, patterns, negations, [host]:port, markers, every key type") {
    require_same_lines_as_ssh_keygen(plain);
    // The cases the file was written for, spelt out.
    const KnownHosts known(plain, kMixed);
    CHECK(known.size() == 16);
    CHECK(known.lines_for("example.com") == std::vector<std::size_t>{4, 17, 19});
    CHECK(known.lines_for("www.example.org") == std::vector<std::size_t>{6, 9, 18});
    CHECK(known.lines_for("bad.example.org") == std::vector<std::size_t>{9, 18});  // !bad vetoes line 6
    CHECK(known.lines_for("192.168.1.50").empty());                                // ? is one character
    CHECK(known.lines_for("only.negated.test").empty());
    CHECK(known.lines_for("MIXED.case.net") == std::vector<std::size_t>{11});   // names are caseless
    CHECK(known.lines_for("www.example.com") == std::vector<std::size_t>{10});  // CA line only
  }
  SECTION("every name hashed by ssh-keygen -H") {
    const std::string hashed = dir.write("hashed", kMixed);
    run_ssh_keygen({"-H", "-f", hashed});
    const std::string text = read_file(hashed);
    REQUIRE(text.find("|1|") != std::string::npos);
    require_same_lines_as_ssh_keygen(hashed);
    const KnownHosts known(hashed, text);
    CHECK_FALSE(known.lines_for("[127.0.0.1]:2222").empty());
    CHECK_FALSE(known.lines_for("10.0.0.1").empty());
  }
  SECTION("hashed and plain lines mixed, thousands of them") {
    std::string text = kMixed;
    for (int i = 0; i < 3000; ++i) {
      text += "host" + std::to_string(i) + ".example.net ssh-ed25519 " + kEd25519Other + "\n";
    }
    const std::string half = dir.write("half", text);
    run_ssh_keygen({"-H", "-f", half});
    const std::string mixed = dir.write("mixed", read_file(half) + text);
    require_same_lines_as_ssh_keygen(mixed);
  }
}

TEST_CASE("known_hosts: ssh-keygen -F lists lines whose key does not decode; they are skipped here",
          "[integration][known_hosts]") {
  // A deliberate difference: ssh-keygen -F does not decode keys, but ssh (hostfile.c
  // load_hostkeys with HKF_WANT_PARSE_KEY) skips such lines, and so does this parser.
  TempDir dir;
  const std::string file = dir.write("bad_keys",
                                     "example.com ssh-ed25519 AAAA!!!!\nexample.com ssh-ed25519 " + kEd25519 + "\n");
  CHECK(ssh_keygen_find(file, "example.com") == std::vector<std::size_t>{1, 2});
  CHECK(KnownHosts(file, read_file(file)).lines_for("example.com") == std::vector<std::size_t>{2});
}
