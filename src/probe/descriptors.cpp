#include "probe/descriptors.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace spe {

bool out_of_descriptors(int err) { return err == EMFILE || err == ENFILE; }

std::string descriptor_shortage(int err) {
  std::string text = std::strerror(err);
  rlimit limit{};
  if (err == EMFILE && ::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    text += " (the exporter's limit of " + std::to_string(limit.rlim_cur) +
            " descriptors is reached: raise it, or lower --probe.max-concurrent)";
  } else if (err == ENFILE) {
    text += " (the system-wide limit fs.file-max is reached)";
  }
  return text;
}

}  // namespace spe
