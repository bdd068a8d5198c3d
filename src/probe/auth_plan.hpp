// Which authentication methods a probe tries, and in which order: decided by the module's
// credentials alone. Pure.
#pragma once

#include <string_view>
#include <vector>

#include "config/model.hpp"

namespace spe {

enum class AuthMethod { publickey, password, keyboard_interactive };

// The method's name as SSH spells it ("keyboard-interactive").
std::string_view to_string(AuthMethod method);

// The methods `auth` allows, in the order they are tried: publickey when a key is configured, then
// password and keyboard-interactive (both answered with the password) when a password is. Empty
// when neither is: the server is then asked nothing and the probe fails as denied.
std::vector<AuthMethod> auth_plan(const Auth& auth);

}  // namespace spe
