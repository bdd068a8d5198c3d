#include <catch2/catch.hpp>

#include <vector>

#include "probe/auth_plan.hpp"

using namespace spe;

namespace {

Auth credentials(bool key, bool password) {
  Auth auth;
  auth.user = "probe";
  if (key) auth.key = KeyMaterial{};
  if (password) auth.password = Secret("hunter2");
  return auth;
}

}  // namespace

TEST_CASE("the auth plan follows the configured credentials, key first", "[unit][auth_plan]") {
  using enum AuthMethod;
  CHECK(auth_plan(credentials(true, false)) == std::vector{publickey});
  CHECK(auth_plan(credentials(false, true)) == std::vector{password, keyboard_interactive});
  CHECK(auth_plan(credentials(true, true)) == std::vector{publickey, password, keyboard_interactive});
}

TEST_CASE("without credentials the auth plan is empty", "[unit][auth_plan]") {
  CHECK(auth_plan(credentials(false, false)).empty());
}

TEST_CASE("auth methods are named as SSH names them", "[unit][auth_plan]") {
  CHECK(to_string(AuthMethod::publickey) == "publickey");
  CHECK(to_string(AuthMethod::password) == "password");
  CHECK(to_string(AuthMethod::keyboard_interactive) == "keyboard-interactive");
}
