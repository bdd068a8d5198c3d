// Runs `promtool check metrics` on exposition text, for the unit tests that validate writer output.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

struct PromtoolResult {
  int exit_code = -1;
  std::string output;
};

// Pipes `text` into `promtool check metrics` and returns its exit code and what it printed.
inline PromtoolResult promtool_check(const std::string& text) {
  char path[] = "/tmp/spe_promtool_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return {};
  close(fd);
  const std::string command = "/usr/bin/promtool check metrics >" + std::string(path) + " 2>&1";
  PromtoolResult result;
  if (FILE* pipe = popen(command.c_str(), "w")) {
    std::fwrite(text.data(), 1, text.size(), pipe);
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::ifstream in(path);
  result.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::remove(path);
  return result;
}
