// Secret: a password or passphrase. Its formatter prints "<secret>", so logs, /config, debug
// output and error messages cannot show the value by accident; only reveal() gives it out.
#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace spe {

class Secret {
 public:
  static constexpr const char* kMask = "<secret>";

  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  // The value itself, for the one call that sends it (libssh auth, key decryption).
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << kMask; }

 private:
  std::string value_;
};

}  // namespace spe
