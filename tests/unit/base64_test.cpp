#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "util/base64.hpp"

TEST_CASE("base64 decodes RFC 4648 text, padded or not, and refuses anything else", "[unit][base64]") {
  using Row = std::tuple<std::string, std::optional<std::string>>;
  const auto [text, bytes] = GENERATE(table<std::string, std::optional<std::string>>({
      Row{"", std::string()}, Row{"Zg==", std::string("f")}, Row{"Zg", std::string("f")},
      Row{"Zm8=", std::string("fo")}, Row{"Zm9v", std::string("foo")}, Row{"Zm9vYmFy", std::string("foobar")},
      Row{"AAAAC3NzaC1lZDI1NTE5", std::string("\0\0\0\x0bssh-ed25519", 15)}, Row{"+/+/", std::string("\xfb\xff\xbf")},
      Row{"Zm9v\n", std::nullopt},                         // whitespace
      Row{"Zm 9v", std::nullopt}, Row{"Z", std::nullopt},  // no encoder writes one character
      Row{"Zg===", std::nullopt},                          // three pads
      Row{"Zg=g", std::nullopt},                           // data after padding
      Row{"Zm9v-_", std::nullopt},                         // the URL alphabet is another encoding
  }));
  INFO(text);
  CHECK(spe::base64_decode(text) == bytes);
}

TEST_CASE("strict base64 wants padding and one canonical text per byte string", "[unit][base64]") {
  using Row = std::pair<std::string, std::optional<std::string>>;
  const auto [text, bytes] = GENERATE(values<Row>({
      Row{"Zm9v", std::string("foo")},
      Row{"Zm8=", std::string("fo")},
      Row{"Zg==", std::string("f")},
      Row{"cHJvbWV0aGV1czpzZWNyZXQ=", std::string("prometheus:secret")},
      Row{"", std::nullopt},     // nothing
      Row{"Zm8", std::nullopt},  // padding left out
      Row{"Zg", std::nullopt},
      Row{"Zm9=", std::nullopt},  // 'v' vs '9': unused bits set, another text for "fo"
      Row{"Zh==", std::nullopt},  // unused bits set, another text for "f"
      Row{"====", std::nullopt},
      Row{"Zg=g", std::nullopt},
  }));
  INFO(text);
  CHECK(spe::base64_decode_strict(text) == bytes);
}
