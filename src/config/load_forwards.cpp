#include "config/load_forwards.hpp"

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "util/duration.hpp"

namespace spe {
namespace {

constexpr std::array<std::string_view, 6> kForwardKeys{"name", "host", "port", "send", "expect", "timeout"};

// A host the target can be asked to connect to: sent as a string of the channel request, so one word of
// printable ASCII or UTF-8, no spaces or control characters, at most a DNS name's length.
bool valid_forward_host(std::string_view host) {
  if (host.empty() || host.size() > kMaxForwardHostBytes) return false;
  for (const char c : host) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return false;
  }
  return true;
}

class ForwardsReader {
 public:
  explicit ForwardsReader(const Module& module) : module_(module) {}

  std::vector<Forward> load(TomlReader& module) {
    std::vector<Forward> forwards;
    for (TomlReader& table : module.tables("forwards")) forwards.push_back(read_forward(table));
    return forwards;
  }

 private:
  Forward read_forward(TomlReader& table) {
    table.check_keys(kForwardKeys);
    Forward forward;
    forward.where = table.position();
    read_name(table, forward);
    if (const auto host = table.required_string("host")) {
      if (valid_forward_host(*host)) {
        forward.host = *host;
      } else {
        table.error("host", "must be a host name or an address as the target sees it: at most " +
                                std::to_string(kMaxForwardHostBytes) + " bytes, no spaces or control characters");
      }
    }
    if (!table.has("port")) table.table_error("port is required");
    if (const auto port = table.integer("port", 1, 65535)) forward.port = static_cast<std::uint16_t>(*port);
    read_send(table, forward);
    read_expect(table, forward);
    if (const auto timeout = table.duration("timeout")) {
      if (*timeout > module_.timeout) {
        table.error("timeout",
                    "must not be longer than the module's timeout (" + format_duration(module_.timeout) + ")");
      } else {
        forward.timeout = *timeout;
      }
    }
    return forward;
  }

  void read_name(TomlReader& table, Forward& forward) {
    if (auto name = read_entry_name(table, "forward", names_)) forward.name = std::move(*name);
  }

  // Any bytes, TOML escapes included ("\u0000" too: the channel carries bytes); "" sends nothing.
  static void read_send(TomlReader& table, Forward& forward) {
    const toml::node* node = table.find("send");
    if (node == nullptr) return;
    const auto* text = node->as_string();
    if (text == nullptr) return table.error("send", "must be a string");
    if (text->get().size() > kMaxForwardSendBytes) {
      return table.error("send", "must be at most " + std::to_string(kMaxForwardSendBytes) + " bytes");
    }
    forward.send = text->get();
  }

  // "" is no expectation, as if the key were absent.
  static void read_expect(TomlReader& table, Forward& forward) {
    const toml::node* node = table.find("expect");
    if (node == nullptr) return;
    if (const auto* text = node->as_string(); text != nullptr && text->get().empty()) return;
    forward.expect = table.regex("expect");
  }

  const Module& module_;
  std::map<std::string, std::string> names_;  // name -> the key path of the forward that has it
};

}  // namespace

std::vector<Forward> load_forwards(TomlReader& table, const Module& module) {
  return ForwardsReader(module).load(table);
}

}  // namespace spe
