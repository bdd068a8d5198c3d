#include <catch2/catch.hpp>

#include <string>

#include "config/load.hpp"
#include "config/load_jump_hosts.hpp"
#include "config/probe_descriptors.hpp"

namespace {

const std::string kData = SPE_TEST_DATA;

}  // namespace

TEST_CASE("probe descriptors: 2 for a direct probe, 3 more per hop", "[unit][config][jump]") {
  CHECK(spe::probe_descriptors(0) == 2);
  CHECK(spe::probe_descriptors(1) == 5);
  CHECK(spe::probe_descriptors(2) == 8);
  CHECK(spe::probe_descriptors(spe::kMaxJumpChain) == 26);
}

TEST_CASE("probe descriptors: a config's costliest probe is that of its longest chain", "[unit][config][jump]") {
  const auto direct = spe::load_config_file(kData + "/config/good.toml");
  REQUIRE(direct.has_value());
  CHECK(spe::longest_jump_chain(*direct) == 0);
  CHECK(spe::max_probe_descriptors(*direct) == 2);
  // jump_hosts.toml: a direct module, one through bastion, one through bastion -> inner -> side.
  const auto chained = spe::load_config_file(kData + "/config/jump_hosts.toml");
  REQUIRE(chained.has_value());
  CHECK(spe::longest_jump_chain(*chained) == 3);
  CHECK(spe::max_probe_descriptors(*chained) == 11);
  // A hop no module uses costs nothing.
  const auto unused = spe::load_config_text(
      "[jump_hosts.a]\nhost = \"a.example.com\"\npassword = \"pw\"\ninsecure_ignore_host_key = true\n"
      "[jump_hosts.b]\nhost = \"b.example.com\"\njump_hosts = [\"a\"]\npassword = \"pw\"\n"
      "insecure_ignore_host_key = true\n"
      "[modules.m]\njump_hosts = [\"a\"]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n",
      kData + "/config/x.toml");
  REQUIRE(unused.has_value());
  CHECK(spe::longest_jump_chain(*unused) == 1);
  CHECK(spe::max_probe_descriptors(*unused) == 5);
}
