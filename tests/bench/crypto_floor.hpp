// The crypto floor of one probe on this machine: the public-key operations a client cannot avoid in a
// curve25519 key exchange with an Ed25519 host key and an Ed25519 user key, timed by `openssl speed`.
#pragma once

#include <string>

namespace spe::bench {

struct CryptoSpeed {
  double x25519_per_second = 0;
  double ed25519_sign_per_second = 0;
  double ed25519_verify_per_second = 0;
  // Two X25519 operations (key generation and shared secret), one Ed25519 verify (the server's exchange
  // hash signature) and one Ed25519 sign (the user authentication), in seconds.
  double probe_floor_seconds() const;
};

// Runs `openssl speed -mr -seconds 1 ecdhx25519 ed25519` (about 3 s) and parses its machine-readable
// lines. Throws std::runtime_error with openssl's output when it fails or prints no rates.
CryptoSpeed measure_crypto_speed();

// Parses the "+F5:..." (ECDH) and "+F6:..." (EdDSA) lines of `openssl speed -mr`; zero rates when absent.
CryptoSpeed parse_openssl_speed(const std::string& output);

}  // namespace spe::bench
