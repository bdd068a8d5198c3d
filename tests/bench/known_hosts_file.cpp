#include "bench/known_hosts_file.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <random>
#include <string_view>

#include "support/temp_dir.hpp"

namespace spe::bench {
namespace {

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string random_bytes(std::mt19937_64& engine, std::size_t size) {
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(engine());
  return out;
}

// "ssh-ed25519 AAAA...": the wire form of a public key (string "ssh-ed25519", string key) in base64.
std::string random_ed25519_key(std::mt19937_64& engine) {
  std::string blob("\0\0\0\x0bssh-ed25519\0\0\0\x20", 19 + 4);
  blob += random_bytes(engine, 32);
  return "ssh-ed25519 " + base64(blob);
}

// "|1|salt|hash" as `ssh-keygen -H` writes it: HMAC-SHA1 of the name keyed with a random 20-byte salt.
std::string hashed_name(std::mt19937_64& engine, std::string_view name) {
  const std::string salt = random_bytes(engine, 20);
  std::array<unsigned char, 20> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha1(), salt.data(), static_cast<int>(salt.size()), reinterpret_cast<const unsigned char*>(name.data()),
       name.size(), digest.data(), &length);
  return "|1|" + base64(salt) + "|" + base64(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

std::string other_host(std::mt19937_64& engine, std::size_t i) {
  const std::string n = std::to_string(i);
  const std::string ip = "10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) + "." +
                         std::to_string(i % 256);
  switch (i % 8) {
    case 0: return "host" + n + ".example.net";
    case 1: return ip;
    case 2: return "host" + n + ".example.net," + ip;
    case 3: return "[host" + n + ".example.org]:2222";
    case 4: return "[" + ip + "]:" + std::to_string(1024 + i % 60000);
    case 5: return hashed_name(engine, "host" + n + ".example.com");
    case 6: return "*.zone" + n + ".example.net,!bastion.zone" + n + ".example.net";
    default: return "fd00::" + std::to_string(i % 9999) + ",db?" + n + ".example.net";
  }
}

}  // namespace

void write_big_known_hosts(const std::filesystem::path& path, std::size_t lines, const std::string& target_line) {
  std::mt19937_64 engine{lines};
  const std::size_t target_at = lines > 10 ? lines - 10 : 0;
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    text += i == target_at ? target_line : other_host(engine, i) + " " + random_ed25519_key(engine);
    text += "\n";
  }
  test::write_file(path, text, 0644);
}

}  // namespace spe::bench
