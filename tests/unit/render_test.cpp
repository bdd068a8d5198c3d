#include <catch2/catch.hpp>

#include <string>

#include "config/load.hpp"
#include "config/render.hpp"
#include "support/text.hpp"

using spe::test::contains;

namespace {

const std::string kData = SPE_TEST_DATA;

spe::ExporterConfig load(const std::string& text, const std::string& file = kData + "/config/x.toml") {
  auto config = spe::load_config_text(text, file);
  INFO((config ? std::string() : config.error().to_string()));
  REQUIRE(config.has_value());
  return std::move(*config);
}

}  // namespace

TEST_CASE("render: every key of a module, defaults included, paths absolute", "[unit][render]") {
  const auto config = spe::load_config_file(kData + "/config/good.toml");
  REQUIRE(config.has_value());
  CHECK(spe::render_module(config->modules.at("key")) ==
        "[modules.key]\n"
        "port = 2222\n"
        "user = \"probe\"\n"
        "timeout = \"2500ms\"\n"
        "ip_protocol = \"ip4\"\n"
        "banner_comment = false\n"
        "session = \"exec\"\n"
        "known_hosts = \"" +
            kData +
            "/keys/known_hosts\"\n"
            "host_key_fingerprints = [\"SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc\"]\n"
            "host_key_algorithms = [\"ssh-ed25519\", \"rsa-sha2-512\"]\n"
            "insecure_ignore_host_key = false\n"
            "private_key = \"" +
            kData +
            "/keys/id_ed25519\"\n"
            "certificate = \"" +
            kData + "/keys/id_ed25519-cert.pub\"\n");
}

TEST_CASE("render: secrets are <secret>, secret files are shown by path only", "[unit][render]") {
  const auto config = spe::load_config_file(kData + "/config/good.toml");
  REQUIRE(config.has_value());
  const std::string text = spe::render_config(*config);
  CHECK(text.starts_with("# Loaded from \"" + kData + "/config/good.toml\"; secrets are shown as <secret>.\n"));
  // The values in good.toml and in the files it names.
  for (const char* secret : {"test-passphrase", "inline-password", "probe-password"}) {
    INFO(secret);
    CHECK_FALSE(contains(text, secret));
  }
  const std::string inline_secrets = spe::render_module(config->modules.at("inline_secrets"));
  CHECK(contains(inline_secrets, "\npassphrase = \"<secret>\"\n"));
  CHECK(contains(inline_secrets, "\npassword = \"<secret>\"\n"));
  const std::string encrypted = spe::render_module(config->modules.at("encrypted"));
  CHECK(contains(encrypted, "\npassphrase_file = \"" + kData + "/config/passphrase.txt\"\n"));
  CHECK_FALSE(contains(encrypted, "\npassphrase ="));
  const std::string defaults = spe::render_module(config->modules.at("defaults"));
  CHECK(contains(defaults, "\npassword_file = \"" + kData + "/config/password.txt\"\n"));
  CHECK_FALSE(contains(defaults, "\npassword ="));
  CHECK(
      contains(defaults, "\ntimeout = \"10s\"\nip_protocol = \"ip6\"\nbanner_comment = false\nsession = \"exec\"\n"));
  CHECK(contains(defaults, "\ninsecure_ignore_host_key = true\n"));
  // Modules in name order, each once.
  const auto at = [&](const std::string& header) { return text.find(header); };
  CHECK(at("[modules.defaults]") < at("[modules.encrypted]"));
  CHECK(at("[modules.encrypted]") < at("[modules.inline_secrets]"));
  CHECK(at("[modules.inline_secrets]") < at("[modules.key]"));
}

TEST_CASE("render: the text loads back into the same config", "[unit][render]") {
  const auto first = load(
      "[modules.a]\npassword_file = \"password.txt\"\ninsecure_ignore_host_key = true\nport = 2200\n"
      "allowed_targets = [\"10.0.0.0/8\", \"[2001:db8::/32]:*\", \"*.example.com\"]\nuser = \"odd \\\"user\\\"\\n\"\n"
      "[modules.\"b.c\"]\nprivate_key = \"../keys/id_ed25519\"\nknown_hosts = \"../keys/known_hosts\"\n"
      "timeout = \"90s\"\njump_hosts = [\"h.i\"]\n"
      "[jump_hosts.\"h.i\"]\nhost = \"2001:db8::1\"\njump_hosts = [\"g\"]\npassword_file = \"password.txt\"\n"
      "known_hosts = \"../keys/known_hosts\"\n"
      "[jump_hosts.g]\nhost = \"g.example.com\"\nport = 2022\nprivate_key = \"../keys/id_ed25519\"\n"
      "host_key_fingerprints = [\"SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc\"]\n");
  const std::string text = spe::render_config(first);
  const auto second = load(text);
  CHECK(spe::render_config(second) == text);
  CHECK(contains(text, "[modules.\"b.c\"]\n"));
  CHECK(contains(text, "timeout = \"1m30s\"\n"));
  CHECK(contains(text, "user = \"odd \\\"user\\\"\\n\"\n"));
  CHECK(contains(text, "allowed_targets = [\"10.0.0.0/8\", \"[2001:db8::/32]:*\", \"*.example.com\"]\n"));
  CHECK(contains(text, "[jump_hosts.\"h.i\"]\nhost = \"2001:db8::1\"\nport = 22\n"));
  CHECK(second.modules.at("b.c").jump_chain.size() == 2);
}

TEST_CASE("render: TOML strings escape quotes, backslashes and control characters", "[unit][render]") {
  CHECK(spe::toml_quote("plain") == "\"plain\"");
  CHECK(spe::toml_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(spe::toml_quote("\t\n\r\b\f") == "\"\\t\\n\\r\\b\\f\"");
  CHECK(spe::toml_quote(std::string("\x01\x7f", 2)) == "\"\\u0001\\u007F\"");
  CHECK(spe::toml_quote("ü") == "\"ü\"");
}

TEST_CASE("render: commands and their gauges", "[unit][render]") {
  spe::Module module;
  module.name = "cmd";
  module.auth.user = "probe";
  module.auth.password = spe::Secret("hunter2");
  module.host_key.insecure_ignore = true;
  spe::Command command;
  command.name = "df";
  command.command = "df -P";
  command.timeout = std::chrono::seconds(2);
  command.expect = std::make_shared<const RE2>("^Filesystem");
  spe::GaugeRule gauge;
  gauge.name = "disk_used_ratio";
  gauge.help = "Used.";
  gauge.regex = std::make_shared<const RE2>("(?P<mount>/\\S*) (?P<value>[0-9]+)%");
  gauge.labels = {{"team", "ops"}, {"odd key", "x"}};
  gauge.map = {{"active", 1}};
  gauge.scale = 0.01;
  command.gauges.push_back(gauge);
  module.commands.push_back(command);
  spe::Command simple;
  simple.name = "prom";
  simple.command = "cat metrics";
  simple.format = spe::OutputFormat::prometheus;
  simple.prefix = "node_";
  module.commands.push_back(simple);

  const std::string text = spe::render_module(module);
  CHECK_FALSE(contains(text, "hunter2"));
  CHECK(text ==
        "[modules.cmd]\n"
        "port = 22\n"
        "user = \"probe\"\n"
        "timeout = \"10s\"\n"
        "ip_protocol = \"ip6\"\n"
        "banner_comment = false\n"
        "session = \"exec\"\n"
        "insecure_ignore_host_key = true\n"
        "password = \"<secret>\"\n"
        "\n"
        "[[modules.cmd.commands]]\n"
        "name = \"df\"\n"
        "command = \"df -P\"\n"
        "timeout = \"2s\"\n"
        "exit_status = 0\n"
        "expect = \"^Filesystem\"\n"
        "max_output_bytes = 65536\n"
        "format = \"text\"\n"
        "\n"
        "[[modules.cmd.commands.gauges]]\n"
        "name = \"disk_used_ratio\"\n"
        "help = \"Used.\"\n"
        "regex = \"(?P<mount>/\\\\S*) (?P<value>[0-9]+)%\"\n"
        "value = \"value\"\n"
        "labels = { \"odd key\" = \"x\", team = \"ops\" }\n"
        "map = { active = 1.0 }\n"
        "scale = 0.01\n"
        "match = \"each\"\n"
        "\n"
        "[[modules.cmd.commands]]\n"
        "name = \"prom\"\n"
        "command = \"cat metrics\"\n"
        "exit_status = 0\n"
        "max_output_bytes = 65536\n"
        "format = \"prometheus\"\n"
        "prefix = \"node_\"\n");
}

TEST_CASE("a rendered module with commands and gauges loads again to the same rules", "[unit][render]") {
  const std::string original =
      "[modules.cmd]\n"
      "password = \"x\"\n"
      "insecure_ignore_host_key = true\n"
      "[[modules.cmd.commands]]\n"
      "name = \"df\"\n"
      "command = \"df -P\"\n"
      "[[modules.cmd.commands.gauges]]\n"
      "name = \"disk_used\"\n"
      "regex = '(?P<mount>/\\S*) (?P<used>[0-9]+)%'\n"
      "value = \"used\"\n"
      "scale = 0.01\n";
  const auto first = spe::load_config_text(original, "/tmp/first.toml");
  REQUIRE(first);
  const std::string rendered = spe::render_module(first->modules.at("cmd"));
  const auto second = spe::load_config_text(rendered, "/tmp/second.toml");
  INFO(rendered);
  REQUIRE(second);
  const auto& gauge = second->modules.at("cmd").commands.at(0).gauges.at(0);
  CHECK(gauge.value_group == "used");
  CHECK(gauge.scale == 0.01);
  CHECK(gauge.regex->pattern() == "(?P<mount>/\\S*) (?P<used>[0-9]+)%");
}

TEST_CASE("render: jump hosts with every key, and the jump_hosts key of modules", "[unit][render][jump]") {
  const auto config = spe::load_config_file(kData + "/config/jump_hosts.toml");
  REQUIRE(config.has_value());
  // bastion verifies its host key and logs in as good.toml's module "key" does: the same lines, by the same code.
  const auto good = spe::load_config_file(kData + "/config/good.toml");
  REQUIRE(good.has_value());
  const std::string key_module = spe::render_module(good->modules.at("key"));
  const std::string host_key_and_auth = key_module.substr(key_module.find("known_hosts = "));
  CHECK(spe::render_jump_host(*config->jump_hosts.at("bastion")) ==
        "[jump_hosts.bastion]\nhost = \"bastion.example.com\"\nport = 2222\nuser = \"hop\"\nip_protocol = \"ip4\"\n" +
            host_key_and_auth);
  CHECK(host_key_and_auth.starts_with("known_hosts = \"" + kData + "/keys/known_hosts\"\nhost_key_fingerprints = "));
  CHECK(host_key_and_auth.ends_with("\ncertificate = \"" + kData + "/keys/id_ed25519-cert.pub\"\n"));
  const std::string inner = spe::render_jump_host(*config->jump_hosts.at("inner"));
  CHECK(contains(inner, "\nport = 22\n"));
  CHECK(contains(inner, "\njump_hosts = [\"bastion\"]\n"));
  // The module's rendering, shown in debug output and the history, names its hops.
  const spe::Module& deep = config->modules.at("deep");
  REQUIRE(deep.toml != nullptr);
  CHECK(*deep.toml == spe::render_module(deep));
  CHECK(contains(*deep.toml,
                 "\nip_protocol = \"ip6\"\njump_hosts = [\"inner\", \"side\"]\nbanner_comment = false\nsession = "
                 "\"exec\"\nknown_hosts = "));
  CHECK_FALSE(contains(spe::render_module(config->modules.at("direct")), "jump_hosts"));
  // The whole config: modules, then jump hosts, each in name order.
  const std::string text = spe::render_config(*config);
  const auto at = [&](const std::string& header) { return text.find(header); };
  CHECK(at("[modules.direct]") < at("[modules.one_hop]"));
  CHECK(at("[modules.one_hop]") < at("[jump_hosts.bastion]"));
  CHECK(at("[jump_hosts.bastion]") < at("[jump_hosts.inner]"));
  CHECK(at("[jump_hosts.inner]") < at("[jump_hosts.side]"));
  CHECK(contains(text, "\n\n" + inner));
}

TEST_CASE("render: a jump host's secrets are <secret>, its secret files shown by path only", "[unit][render][jump]") {
  const auto config = spe::load_config_file(kData + "/config/jump_hosts.toml");
  REQUIRE(config.has_value());
  const std::string text = spe::render_config(*config);
  // The values in jump_hosts.toml and in the files its hops name.
  for (const char* secret : {"test-passphrase", "hop-password-inline", "probe-password"}) {
    INFO(secret);
    CHECK_FALSE(contains(text, secret));
    for (const auto& [name, module] : config->modules) CHECK_FALSE(contains(*module.toml, secret));
  }
  const std::string inner = spe::render_jump_host(*config->jump_hosts.at("inner"));
  CHECK(contains(inner, "\npassphrase = \"<secret>\"\n"));
  CHECK(contains(inner, "\npassword = \"<secret>\"\n"));
  const std::string side = spe::render_jump_host(*config->jump_hosts.at("side"));
  CHECK(contains(side, "\npassphrase_file = \"" + kData + "/config/passphrase.txt\"\n"));
  CHECK(contains(side, "\npassword_file = \"" + kData + "/config/password.txt\"\n"));
  CHECK_FALSE(contains(side, "\npassphrase ="));
  CHECK_FALSE(contains(side, "\npassword ="));
}

TEST_CASE("render: a shell session's keys, no exit_status, and it loads again", "[unit][render]") {
  const std::string original =
      "[modules.router]\n"
      "password = \"x\"\n"
      "insecure_ignore_host_key = true\n"
      "session = \"shell\"\n"
      "prompt = '(?m)^[\\w.-]+[>#] ?$'\n"
      "setup_commands = [\"terminal length 0\"]\n"
      "[[modules.router.commands]]\n"
      "name = \"version\"\n"
      "command = \"show version\"\n";
  const auto first = spe::load_config_text(original, "/tmp/first.toml");
  INFO((first ? std::string() : first.error().to_string()));
  REQUIRE(first);
  const std::string rendered = spe::render_module(first->modules.at("router"));
  INFO(rendered);
  CHECK(contains(rendered,
                 "\nsession = \"shell\"\nprompt = \"(?m)^[\\\\w.-]+[>#] ?$\"\n"
                 "setup_commands = [\"terminal length 0\"]\n"));
  CHECK_FALSE(contains(rendered, "exit_status"));
  const auto second = spe::load_config_text(rendered, "/tmp/second.toml");
  INFO((second ? std::string() : second.error().to_string()));
  REQUIRE(second);
  const spe::Module& module = second->modules.at("router");
  CHECK(module.session.mode == spe::SessionMode::shell);
  CHECK(module.session.prompt->pattern() == "(?m)^[\\w.-]+[>#] ?$");
  CHECK(module.session.setup_commands == std::vector<std::string>{"terminal length 0"});
}

TEST_CASE("render: forwards with every key, send escaped, and the text loads again to the same forwards",
          "[unit][render]") {
  const std::string original =
      "[modules.app]\n"
      "password = \"x\"\n"
      "insecure_ignore_host_key = true\n"
      "[[modules.app.forwards]]\n"
      "name = \"redis\"\n"
      "host = \"127.0.0.1\"\n"
      "port = 6379\n"
      "send = \"PING\\r\\n\\u0001\"\n"
      "expect = '^\\+PONG'\n"
      "timeout = \"1500ms\"\n"
      "[[modules.app.forwards]]\n"
      "name = \"web\"\n"
      "host = \"web.internal\"\n"
      "port = 80\n";
  const auto first = spe::load_config_text(original, "/tmp/first.toml");
  INFO((first ? std::string() : first.error().to_string()));
  REQUIRE(first);
  const std::string rendered = spe::render_module(first->modules.at("app"));
  CHECK(contains(rendered,
                 "\n[[modules.app.forwards]]\n"
                 "name = \"redis\"\n"
                 "host = \"127.0.0.1\"\n"
                 "port = 6379\n"
                 "send = \"PING\\r\\n\\u0001\"\n"
                 "expect = \"^\\\\+PONG\"\n"
                 "timeout = \"1500ms\"\n"
                 "\n[[modules.app.forwards]]\n"
                 "name = \"web\"\n"
                 "host = \"web.internal\"\n"
                 "port = 80\n"));
  const auto second = spe::load_config_text(rendered, "/tmp/second.toml");
  INFO(rendered);
  REQUIRE(second);
  const auto& forwards = second->modules.at("app").forwards;
  REQUIRE(forwards.size() == 2);
  CHECK(forwards[0].send == "PING\r\n\x01");
  CHECK(forwards[0].expect->pattern() == "^\\+PONG");
  CHECK(forwards[0].timeout == std::chrono::milliseconds(1500));
  CHECK(forwards[1].send.empty());
  CHECK_FALSE(forwards[1].expect);
}
