#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "probe/descriptors.hpp"

using namespace spe;

TEST_CASE("only EMFILE and ENFILE are a shortage of descriptors", "[unit][descriptors]") {
  CHECK(out_of_descriptors(EMFILE));
  CHECK(out_of_descriptors(ENFILE));
  CHECK_FALSE(out_of_descriptors(ECONNREFUSED));
  CHECK_FALSE(out_of_descriptors(0));
}

TEST_CASE("the process limit is named with its value and the remedy", "[unit][descriptors]") {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  CHECK(descriptor_shortage(EMFILE) == std::string(std::strerror(EMFILE)) + " (the exporter's limit of " +
                                           std::to_string(limit.rlim_cur) +
                                           " descriptors is reached: raise it, or lower --probe.max-concurrent)");
}

TEST_CASE("the system-wide limit is named as fs.file-max; other errors are strerror alone", "[unit][descriptors]") {
  CHECK(descriptor_shortage(ENFILE) ==
        std::string(std::strerror(ENFILE)) + " (the system-wide limit fs.file-max is reached)");
  CHECK(descriptor_shortage(ECONNREFUSED) == std::strerror(ECONNREFUSED));
}
