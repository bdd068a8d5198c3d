#include "probe/auth_plan.hpp"

namespace spe {

std::string_view to_string(AuthMethod method) {
  switch (method) {
    case AuthMethod::publickey: return "publickey";
    case AuthMethod::password: return "password";
    case AuthMethod::keyboard_interactive: return "keyboard-interactive";
  }
  return "unknown";
}

std::vector<AuthMethod> auth_plan(const Auth& auth) {
  std::vector<AuthMethod> plan;
  if (auth.key) plan.push_back(AuthMethod::publickey);
  if (auth.password) {
    plan.push_back(AuthMethod::password);
    plan.push_back(AuthMethod::keyboard_interactive);
  }
  return plan;
}

}  // namespace spe
