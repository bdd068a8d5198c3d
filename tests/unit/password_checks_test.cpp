// PasswordChecks: the bounded queue of bcrypt checks behind basic auth.
#include "http/password_checks.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace spe::http;
using namespace std::chrono_literals;

namespace {

// `htpasswd -nbBC 4 alice 'pa:ss wörd'`: the lowest cost, so each check is quick.
constexpr const char* kAliceHash = "$2y$04$2ceVZa2XrjoGvRnY6xAt3uJCn2AOChv7z6H21vIqHB5dHYsyX19pG";
// libxcrypt's bcrypt of "correct horse" at cost 12: a quarter of a second or so per check, long
// enough for the test to queue others behind it.
constexpr const char* kSlowHash = "$2b$12$hpXMOa0KsZggin3MV5BVEulELq0eYuYp4iByErjPyGLHReL8484yW";

// "Basic " + base64 of "alice:<password>", as `printf %s alice:PASSWORD | base64` prints it.
const std::map<std::string, std::string> kBasic = {
    {"pa:ss wörd", "Basic YWxpY2U6cGE6c3Mgd8O2cmQ="},
    {"wrong", "Basic YWxpY2U6d3Jvbmc="},
    {"one", "Basic YWxpY2U6b25l"},
    {"two", "Basic YWxpY2U6dHdv"},
    {"three", "Basic YWxpY2U6dGhyZWU="},
    {"same", "Basic YWxpY2U6c2FtZQ=="},
    {"first", "Basic YWxpY2U6Zmlyc3Q="},
    {"abandoned", "Basic YWxpY2U6YWJhbmRvbmVk"},
    {"last", "Basic YWxpY2U6bGFzdA=="},
    {"a", "Basic YWxpY2U6YQ=="},
    {"b", "Basic YWxpY2U6Yg=="},
    {"c", "Basic YWxpY2U6Yw=="},
};

std::string basic(const std::string& user_colon_password) {
  return kBasic.at(user_colon_password.substr(user_colon_password.find(':') + 1));
}

std::shared_ptr<BasicAuth> make_auth(const char* hash) {
  return std::make_shared<BasicAuth>(std::map<std::string, std::string>{{"alice", hash}});
}

// A check's verdict, waited for at most 10 s.
struct Verdict {
  std::promise<bool> promise;
  std::future<bool> future = promise.get_future();
  PasswordChecks::Done done() {
    return [this](bool verified) { promise.set_value(verified); };
  }
  bool ready() { return future.wait_for(10s) == std::future_status::ready; }
};

}  // namespace

TEST_CASE("password checks: verdicts come from bcrypt, on the checks' thread", "[unit][web][concurrency]") {
  PasswordChecks checks(make_auth(kAliceHash), 4);
  Verdict good;
  Verdict bad;
  REQUIRE(checks.submit(basic("alice:pa:ss wörd"), nullptr, good.done()));
  REQUIRE(checks.submit(basic("alice:wrong"), nullptr, bad.done()));
  REQUIRE(good.ready());
  REQUIRE(bad.ready());
  CHECK(good.future.get());
  CHECK_FALSE(bad.future.get());
}

TEST_CASE("password checks beyond the capacity are refused at once", "[unit][web][concurrency]") {
  PasswordChecks checks(make_auth(kSlowHash), 2);
  std::vector<Verdict> verdicts(3);
  REQUIRE(checks.submit(basic("alice:one"), nullptr, verdicts[0].done()));
  REQUIRE(checks.submit(basic("alice:two"), nullptr, verdicts[1].done()));
  // One running, one waiting (or both waiting): a third header has no room.
  CHECK_FALSE(checks.submit(basic("alice:three"), nullptr, verdicts[2].done()));
  CHECK(checks.pending() == 2);
  REQUIRE(verdicts[0].ready());
  REQUIRE(verdicts[1].ready());
  CHECK(checks.pending() == 0);
  // Room again.
  CHECK(checks.submit(basic("alice:three"), nullptr, verdicts[2].done()));
  REQUIRE(verdicts[2].ready());
  CHECK_FALSE(verdicts[2].future.get());
}

TEST_CASE("requests with the same header share one check, within the capacity", "[unit][web][concurrency]") {
  auto auth = make_auth(kSlowHash);
  PasswordChecks checks(auth, 1);
  std::vector<Verdict> verdicts(5);
  for (auto& verdict : verdicts) REQUIRE(checks.submit(basic("alice:same"), nullptr, verdict.done()));
  CHECK(checks.pending() == 1);
  for (auto& verdict : verdicts) {
    REQUIRE(verdict.ready());
    CHECK_FALSE(verdict.future.get());
  }
}

TEST_CASE("a check whose clients all left is dropped without running bcrypt", "[unit][web][concurrency]") {
  auto auth = make_auth(kSlowHash);
  PasswordChecks checks(auth, 8);
  const std::string first = basic("alice:first");
  const std::string abandoned = basic("alice:abandoned");
  const std::string last = basic("alice:last");
  Verdict first_verdict;
  REQUIRE(checks.submit(first, nullptr, first_verdict.done()));
  // Queued behind `first`; its client leaves before its turn.
  auto cancel = std::make_shared<spe::CancelSignal>();
  bool abandoned_done = false;
  REQUIRE(checks.submit(abandoned, cancel, [&abandoned_done](bool) { abandoned_done = true; }));
  cancel->cancel();
  Verdict last_verdict;
  REQUIRE(checks.submit(last, nullptr, last_verdict.done()));
  REQUIRE(first_verdict.ready());
  REQUIRE(last_verdict.ready());  // one thread, in order: `abandoned` had its turn before
  CHECK_FALSE(abandoned_done);
  // bcrypt never ran for it: no verdict on it is known.
  CHECK_FALSE(auth->known_verdict(abandoned).has_value());
  CHECK(auth->known_verdict(last) == std::optional<bool>(false));
}

TEST_CASE("stopping drops queued checks and refuses new ones", "[unit][web][concurrency]") {
  PasswordChecks checks(make_auth(kSlowHash), 8);
  Verdict running;
  REQUIRE(checks.submit(basic("alice:a"), nullptr, running.done()));
  bool queued_done = false;
  REQUIRE(checks.submit(basic("alice:b"), nullptr, [&queued_done](bool) { queued_done = true; }));
  checks.stop();
  CHECK(checks.pending() == 0);
  CHECK_FALSE(checks.submit(basic("alice:c"), nullptr, [](bool) {}));
  checks.stop();  // idempotent
  // The first check ran to its end or never started; the one waiting behind it was dropped.
  CHECK_FALSE(queued_done);
}
