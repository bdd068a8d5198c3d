// known_hosts parsed once and looked up: which lines name a host (checked against the real
// `ssh-keygen -F`, on files hashed by the real `ssh-keygen -H`), what a host key's verdict is,
// which lines are skipped, and that the memo of looked-up names keeps answers right.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/known_hosts.hpp"
#include "config/load.hpp"
#include "util/base64.hpp"

using spe::KnownHosts;
using spe::KnownHostsState;

namespace {

// Public keys made by ssh-keygen for these tests (the sk ones built by hand: no token here).
const std::string kEd25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIP+u+XRiEFFvFd4JgcYpvG6DNgPw8d74jAXQSzLdUZxH";
const std::string kEd25519Other = "AAAAC3NzaC1lZDI1NTE5AAAAIJlML9+Cy7jmYu1lROkxTcQ4WxHMFMoSSZJfDMVq0f7Q";
const std::string kEcdsa256 =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNwGPb5rWGnD9Hx/cJgRAAA1hqlFLJwPxx/BGGUEevqdI3Lo6Me1lhSpnI"
    "ud7PR2dzmqYuQ4C6RdWy3OvhNJxuY=";
const std::string kEcdsa384 =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBF846q2PCc75InUa74bstu9IRfkOXgFvzNnCjCnNe7NuchQwIopEbxIo9a"
    "ulOI1mxWPPqxhLoOCwcYjHDA+O+6u1U2UOve2ZnUoOrBiPr1cL5O8ad98/Odu/kCf7TcUZ+A==";
const std::string kEcdsa521 =
    "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAE+3dJLJGwflj9FwaY0LJQIXrcwNer9cW2CF92BP4hrxSzJfP9uN7s/yX"
    "PNnqHK7bgDH3va3DhzJ/IZwzk/NJAbCwCQ1eY4DZp7JMDdQS1nbYtNpj4sktJaCg40I57oeNyoFDwL6SO2RuD1Sg+wavqyO23G7LNW0nNN6vkS"
    "3pM8TihfLQ==";
const std::string kRsa =
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQCzu/TfhGAu+Uz9woqe0DWokfGK+s9fC/FjBQ60cu0bq5qOUQsL7rwI80AQtAHygGC+prEEoFX7RAjykf"
    "wt9xBCMLZTqEx6pu5OFQOOI9y5O1ncfcYbjmd229i+AErE6q7bdpsWa5MYmqaBo+eQvZDSdRu+Q16gghSBetf4hZ7C3w==";
const std::string kDsa =
    "AAAAB3NzaC1kc3MAAACBAN0MLEmduWBIQ3ACu7PNROud1tBn7HMXoAQynwyDWDuLYl5J/387EGEBf7bsUVEwm/o0PYAPDjGWQDpQP/EYKbcBqi"
    "SJefvXzGhqpBvFEzrvA9Pep1Vsw4YTgZjSk8sBhFWjh7QWzs5Om7edXbUNj7fYR4tVPQh1Poi4NTaiFXsBAAAAFQDZNtRgoM87a9sPZi0vMcLV"
    "87YFXwAAAIBf6P8tQ/rPR1FuNWdnlq/ZcnsGyQA1oTee56DtVoh+WNvwpRIsoBoNPD6Bq/jIR1y20tEOwgB0HQ78InEZUzntm4OZCRVLbFLXrA"
    "fpldUZgf+pFfi/CWB+ubw/dna4U4G0KLF/ScdszI9Ipoq2tc3sxEco/nV96oR74rhdCNmSSgAAAIEAxRTtdaotUPNH6qjtBXpInnKclVIoYlka"
    "jagWFuB9G76i2e9ctOc34xBPDu6qYNO6d8WTZzPhh3w/oFToOKiP9z+mA2tHeh5Pgb0mbEnL4RmwY5rfmL7GCEYmJeHH7Ng51rmUJDkVXocTaz"
    "7CNRnlF994ubiC7kXl/QxLeyYRb1k=";
const std::string kSkEd25519 =
    "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gAAAABHNzaDo=";
const std::string kSkEcdsa =
    "AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBNwGPb5rWGnD9Hx/cJgRAAA1hqlFLJwPxx/BGG"
    "UEevqdI3Lo6Me1lhSpnIud7PR2dzmqYuQ4C6RdWy3OvhNJxuYAAAAEc3NoOg==";

std::string blob(const std::string& base64) {
  const auto decoded = spe::base64_decode(base64);
  REQUIRE(decoded.has_value());
  return *decoded;
}

// A file of every kind of line OpenSSH reads. Line numbers matter: tests name them.
const std::string kMixed =
    "# a comment, then a blank line and one of blanks\n"          // 1
    "\n"                                                          // 2
    " \t \n"                                                      // 3
    "example.com ssh-ed25519 " + kEd25519 + " plain name\n"       // 4
    "[example.com]:2222 ssh-ed25519 " + kEd25519Other + "\n"      // 5
    "*.example.org,!bad.example.org ecdsa-sha2-nistp256 " + kEcdsa256 + "\n"  // 6
    "192.168.1.? ssh-rsa " + kRsa + "\n"                          // 7
    "[127.0.0.1]:2222,10.0.0.1 ssh-ed25519 " + kEd25519 + "\n"    // 8
    "@revoked *.example.org ssh-ed25519 " + kEd25519Other + "\n"  // 9
    "@cert-authority *.example.com ssh-ed25519 " + kEd25519Other + "\n"  // 10
    "Mixed.Case.NET ssh-dss " + kDsa + "\n"                       // 11
    "[*.wild]:* ssh-ed25519 " + kEd25519 + "\n"                   // 12
    "sk.example.com sk-ssh-ed25519@openssh.com " + kSkEd25519 + "\n"  // 13
    "sk.example.com sk-ecdsa-sha2-nistp256@openssh.com " + kSkEcdsa + "\n"  // 14
    "h?st.example.com,alias ecdsa-sha2-nistp384 " + kEcdsa384 + "\n"  // 15
    "!only.negated.test ssh-ed25519 " + kEd25519 + "\n"           // 16
    "\texample.com\tecdsa-sha2-nistp521\t" + kEcdsa521 + "\t# tabs\n"  // 17
    "*.example.org ssh-ed25519 " + kEd25519 + "\n"                // 18
    "example.com ssh-ed25519 " + kEd25519Other + "\r\n";          // 19

// Names to look up in kMixed and in its hashed copies; lowercase, as ssh forms them.
const std::vector<std::string> kQueries{
    "example.com",     "[example.com]:2222", "www.example.org",  "bad.example.org", "192.168.1.5",
    "192.168.1.50",    "[127.0.0.1]:2222",   "127.0.0.1",        "10.0.0.1",        "mixed.case.net",
    "[x.wild]:2200",   "sk.example.com",     "host.example.com", "alias",           "only.negated.test",
    "other.test",      "www.example.com",    "[10.0.0.1]:2222",
};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "spe-known-hosts-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = (path_ / name).string();
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs argv (no shell) and returns its stdout; stderr is dropped.
std::string run(const std::vector<std::string>& argv) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null < 0 || ::dup2(null, STDERR_FILENO) < 0) ::_exit(126);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  std::array<char, 4096> buffer{};
  for (ssize_t n; (n = ::read(out[0], buffer.data(), buffer.size())) > 0;) text.append(buffer.data(), n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) <= 1);  // 1: host not found
  return text;
}

// The line numbers of "# Host NAME found: line N [CA|REVOKED]" that `ssh-keygen -F` prints.
std::vector<std::size_t> ssh_keygen_find(const std::string& file, const std::string& name) {
  std::vector<std::size_t> lines;
  std::istringstream out(run({"ssh-keygen", "-F", name, "-f", file}));
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

TEST_CASE("known_hosts: a host's lines are the lines ssh-keygen -F finds", "[unit][known_hosts]") {
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
    CHECK(known.lines_for("192.168.1.50").empty());                                 // ? is one character
    CHECK(known.lines_for("only.negated.test").empty());
    CHECK(known.lines_for("MIXED.case.net") == std::vector<std::size_t>{11});      // names are caseless
    CHECK(known.lines_for("www.example.com") == std::vector<std::size_t>{10});     // CA line only
  }
  SECTION("every name hashed by ssh-keygen -H") {
    const std::string hashed = dir.write("hashed", kMixed);
    run({"ssh-keygen", "-H", "-f", hashed});
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
    run({"ssh-keygen", "-H", "-f", half});
    const std::string mixed = dir.write("mixed", read_file(half) + text);
    require_same_lines_as_ssh_keygen(mixed);
  }
}

TEST_CASE("known_hosts: lines OpenSSH would skip are skipped and reported with their line",
          "[unit][known_hosts]") {
  const std::string text =
      "@revoked\n"                                                       // 1
      "@unknown example.com ssh-ed25519 " + kEd25519 + "\n"             // 2
      "@revoked @cert-authority example.com ssh-ed25519 " + kEd25519 + "\n"  // 3
      "example.com\n"                                                    // 4
      "example.com ssh-ed25519\n"                                        // 5
      "example.com ssh-ed25519 # no key\n"                               // 6
      "example.com ssh-foo " + kEd25519 + "\n"                           // 7
      "example.com ssh-ed25519 not*base64\n"                             // 8
      "example.com ecdsa-sha2-nistp256 " + kEd25519 + "\n"               // 9
      "|1|bm90IDIwIGJ5dGVz|AAAA ssh-ed25519 " + kEd25519 + "\n"          // 10
      "|2|salt|hash ssh-ed25519 " + kEd25519 + "\n"                      // 11
      "example.com ssh-ed25519 " + kEd25519 + "\n";                      // 12: the one good line
  const KnownHosts known("/etc/ssh/known", text);
  CHECK(known.size() == 1);
  CHECK(known.skipped_count() == 11);
  std::vector<std::size_t> lines;
  for (const auto& skip : known.skipped()) lines.push_back(skip.line);
  CHECK(lines == std::vector<std::size_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  const auto reason = [&](std::size_t line) { return known.skipped()[line - 1].reason; };
  CHECK(reason(2) == "unknown marker (@cert-authority or @revoked)");
  CHECK(reason(3) == "more than one marker");
  CHECK(reason(7) == "unsupported key type");
  CHECK(reason(8) == "the key is not valid base64");
  CHECK(reason(9) == "the key is not of the type the line names");
  CHECK(reason(10) == "hashed host name is not a 20-byte salt and a 20-byte HMAC-SHA1 in base64");
  CHECK(known.skipped_summary() ==
        "11 lines skipped (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), the first /etc/ssh/known:1: nothing after the "
        "marker");
  CHECK(known.lines_for("example.com") == std::vector<std::size_t>{12});
  CHECK(KnownHosts("f", kMixed).skipped_summary().empty());
}

TEST_CASE("known_hosts: what is said of skipped lines holds no word of the file", "[unit][known_hosts]") {
  // Another file named as known_hosts by mistake: every word of it is somebody's secret.
  const std::string secret = "Pr0beS3cretPW!";
  const std::string text = secret + "\n"                          // 1: no key
                           "host " + secret + "\n"                 // 2: unsupported key type
                           "host ssh-ed25519 " + secret + "\n"     // 3: not base64
                           "@" + secret + " host ssh-ed25519 " + kEd25519 + "\n"  // 4: unknown marker
                           "@" + secret + "\n"                     // 5: nothing after the marker
                           "|1|" + secret + "|x ssh-ed25519 " + kEd25519 + "\n"   // 6: bad hash
                           "host ecdsa-sha2-nistp256 " + kEd25519 + "\n";         // 7: key of another type
  const KnownHosts known("/etc/passwords", text);
  CHECK(known.skipped_count() == 7);
  const std::string summary = known.skipped_summary();
  CHECK(summary == "7 lines skipped (lines 1, 2, 3, 4, 5, 6, 7), the first /etc/passwords:1: no key after the "
                   "host names");
  for (const auto& skip : known.skipped()) {
    CAPTURE(skip.reason);
    CHECK(skip.reason.find(secret) == std::string::npos);
    CHECK(skip.reason.find("S3cret") == std::string::npos);
  }
  // More skipped lines than are kept: the count says so.
  std::string many;
  for (int i = 0; i < 25; ++i) many += secret + "\n";
  CHECK(KnownHosts("f", many).skipped_summary() ==
        "25 lines skipped (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 and 5 more), "
        "the first f:1: no key after the host names");
}

TEST_CASE("known_hosts: ssh-keygen -F lists lines whose key does not decode; they are skipped here",
          "[unit][known_hosts]") {
  // A deliberate difference: ssh-keygen -F does not decode keys, but ssh (hostfile.c
  // load_hostkeys with HKF_WANT_PARSE_KEY) skips such lines, and so does this parser.
  TempDir dir;
  const std::string file =
      dir.write("bad_keys", "example.com ssh-ed25519 AAAA!!!!\nexample.com ssh-ed25519 " + kEd25519 + "\n");
  CHECK(ssh_keygen_find(file, "example.com") == std::vector<std::size_t>{1, 2});
  CHECK(KnownHosts(file, read_file(file)).lines_for("example.com") == std::vector<std::size_t>{2});
}

TEST_CASE("known_hosts: the verdict on a server key, with the line that decided it", "[unit][known_hosts]") {
  const KnownHosts known("/etc/ssh/known", kMixed);
  SECTION("ok: a plain line holds the key, compared as bytes") {
    const auto match = known.check("example.com", blob(kEd25519));
    CHECK(match.state == KnownHostsState::ok);
    CHECK(match.line == 4);
    CHECK(match.key_type == "ssh-ed25519");
    CHECK(known.check("example.com", blob(kEd25519Other)).line == 19);  // either key of the host
    CHECK(known.check("[127.0.0.1]:2222", blob(kEd25519)).line == 8);
    CHECK(known.check("192.168.1.7", blob(kRsa)).state == KnownHostsState::ok);
    CHECK(known.check("sk.example.com", blob(kSkEcdsa)).line == 14);
  }
  SECTION("changed: another key of the same type") {
    const auto match = known.check("[example.com]:2222", blob(kEd25519));
    CHECK(match.state == KnownHostsState::changed);
    CHECK(match.line == 5);
    CHECK(known.check("alias", blob(kEcdsa384)).state == KnownHostsState::ok);
    CHECK(known.check("mixed.case.net", blob(kDsa)).state == KnownHostsState::ok);
  }
  SECTION("other: keys of other types only") {
    const auto match = known.check("192.168.1.7", blob(kEd25519));
    CHECK(match.state == KnownHostsState::other);
    CHECK(match.line == 7);
    CHECK(match.key_type == "ssh-rsa");
  }
  SECTION("unknown, and unknown with only a @cert-authority line") {
    CHECK(known.check("other.test", blob(kEd25519)).state == KnownHostsState::unknown);
    CHECK_FALSE(known.check("other.test", blob(kEd25519)).cert_authority_only);
    // The CA's own key does not make the host known: host certificates cannot be verified.
    const auto ca = known.check("www.example.com", blob(kEd25519Other));
    CHECK(ca.state == KnownHostsState::unknown);
    CHECK(ca.cert_authority_only);
  }
  SECTION("revoked wins over a line that holds the key") {
    // Line 9 revokes kEd25519Other for *.example.org; line 18 trusts kEd25519 there.
    CHECK(known.check("www.example.org", blob(kEd25519)).state == KnownHostsState::ok);
    const auto match = known.check("www.example.org", blob(kEd25519Other));
    CHECK(match.state == KnownHostsState::revoked);
    CHECK(match.line == 9);
    const KnownHosts later("f", "example.com ssh-ed25519 " + kEd25519 + "\n@revoked * ssh-ed25519 " + kEd25519 + "\n");
    CHECK(later.check("example.com", blob(kEd25519)).state == KnownHostsState::revoked);
    CHECK(later.check("example.com", blob(kEd25519)).line == 2);
  }
}

TEST_CASE("known_hosts: the key types a host is known by, for ordering host key algorithms",
          "[unit][known_hosts]") {
  const KnownHosts known("f", kMixed);
  CHECK(known.key_types("example.com") == std::vector<std::string>{"ssh-ed25519", "ecdsa-sha2-nistp521"});
  CHECK(known.key_types("192.168.1.1") == std::vector<std::string>{"ssh-rsa"});
  CHECK(known.key_types("www.example.com").empty());  // @cert-authority only
  CHECK(known.key_types("other.test").empty());
}

TEST_CASE("known_hosts: names as OpenSSH forms them", "[unit][known_hosts]") {
  CHECK(spe::known_hosts_name("Example.COM", 22) == "example.com");
  CHECK(spe::known_hosts_name("127.0.0.1", 2222) == "[127.0.0.1]:2222");
  CHECK(spe::known_hosts_name("2001:DB8::1", 22) == "2001:db8::1");
  CHECK(spe::known_hosts_name("2001:db8::1", 2222) == "[2001:db8::1]:2222");
}

TEST_CASE("known_hosts: repeated and concurrent lookups agree with the first", "[unit][known_hosts]") {
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += "plain" + std::to_string(i) + ".test ssh-ed25519 " + kEd25519Other + "\n";
    text += "*.pattern" + std::to_string(i) + ".test ssh-ed25519 " + kEd25519Other + "\n";
  }
  text += "[127.0.0.1]:2222 ssh-ed25519 " + kEd25519 + "\n";  // line 4001
  text += "*.test,!plain7.test ssh-rsa " + kRsa + "\n";        // line 4002
  const KnownHosts known("f", text);
  const auto first = known.check("[127.0.0.1]:2222", blob(kEd25519));
  CHECK(first.state == KnownHostsState::ok);
  CHECK(first.line == 4001);
  CHECK(known.lines_for("plain7.test") == std::vector<std::size_t>{15});
  CHECK(known.lines_for("plain8.test") == std::vector<std::size_t>{17, 4002});

  std::vector<std::thread> threads;
  std::array<int, 4> agreed{};
  for (std::size_t t = 0; t < agreed.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const bool same = known.check("[127.0.0.1]:2222", blob(kEd25519)).line == 4001 &&
                          known.lines_for("x.pattern" + std::to_string(i) + ".test") ==
                              std::vector<std::size_t>{static_cast<std::size_t>(2 * i + 2), 4002};
        agreed[t] += same ? 1 : 0;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(agreed == std::array<int, 4>{200, 200, 200, 200});
}

TEST_CASE("known_hosts: more names than the memo keeps are still answered right", "[unit][known_hosts]") {
  const KnownHosts known("f", "*.test ssh-ed25519 " + kEd25519 + "\n[h1.test]:2222 ssh-ed25519 " + kEd25519 + "\n");
  int right = 0;
  for (int i = 0; i < 20000; ++i) {
    right += known.lines_for("h" + std::to_string(i) + ".test") == std::vector<std::size_t>{1} ? 1 : 0;
  }
  CHECK(right == 20000);
  CHECK(known.lines_for("[h1.test]:2222") == std::vector<std::size_t>{2});  // "*.test" must end the name
}

TEST_CASE("known_hosts: parsed at config load, once per file, shared by the modules naming it",
          "[unit][known_hosts]") {
  const std::string data = SPE_TEST_DATA;
  const auto config = spe::load_config_file(data + "/config/good.toml");
  REQUIRE(config.has_value());
  const auto& key = config->find_module("key")->host_key.known_hosts_entries;
  const auto& encrypted = config->find_module("encrypted")->host_key.known_hosts_entries;
  REQUIRE(key != nullptr);
  CHECK(key == encrypted);
  CHECK(key->file() == data + "/keys/known_hosts");
  CHECK(key->lines_for("[127.0.0.1]:2222") == std::vector<std::size_t>{1});
  CHECK(config->find_module("inline_secrets")->host_key.known_hosts_entries == nullptr);
}
