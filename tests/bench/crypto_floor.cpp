#include "bench/crypto_floor.hpp"

#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/temp_dir.hpp"

namespace spe::bench {
namespace {

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, separator);) fields.push_back(field);
  return fields;
}

double number(const std::string& text) {
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

double CryptoSpeed::probe_floor_seconds() const {
  if (x25519_per_second <= 0 || ed25519_sign_per_second <= 0 || ed25519_verify_per_second <= 0) return 0;
  return 2 / x25519_per_second + 1 / ed25519_verify_per_second + 1 / ed25519_sign_per_second;
}

CryptoSpeed parse_openssl_speed(const std::string& output) {
  CryptoSpeed speed;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const auto fields = split(line, ':');
    // OpenSSL 3.0 apps/speed.c: "+F5:<index>:<bits>:<ops/s>:<s/op>" and
    // "+F6:<index>:<bits>:<name>:<sign/s>:<verify/s>".
    if (fields.size() >= 5 && fields[0] == "+F5") speed.x25519_per_second = number(fields[3]);
    if (fields.size() >= 6 && fields[0] == "+F6" && fields[3] == "Ed25519") {
      speed.ed25519_sign_per_second = number(fields[4]);
      speed.ed25519_verify_per_second = number(fields[5]);
    }
  }
  return speed;
}

CryptoSpeed measure_crypto_speed() {
  const auto result = test::run_command({"openssl", "speed", "-mr", "-seconds", "1", "ecdhx25519", "ed25519"}, "",
                                        std::chrono::seconds{60});
  const CryptoSpeed speed = parse_openssl_speed(result.output);
  if (result.exit_code != 0 || speed.probe_floor_seconds() <= 0) {
    throw std::runtime_error("openssl speed gave no X25519/Ed25519 rates (exit " + std::to_string(result.exit_code) +
                             "):\n" + result.output);
  }
  return speed;
}

}  // namespace spe::bench
