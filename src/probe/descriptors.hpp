// Running out of file descriptors: the exporter's own limit, not the target's fault, so the
// message names the limit and its remedy.
#pragma once

#include <string>

namespace spe {

// True for EMFILE (the process limit) and ENFILE (the system-wide limit).
bool out_of_descriptors(int err);

// strerror(err), and for EMFILE or ENFILE which limit was reached and what to do:
// "Too many open files (the exporter's limit of 1024 descriptors is reached: raise it, or lower
// --probe.max-concurrent)". Other errors: strerror(err) alone.
std::string descriptor_shortage(int err);

}  // namespace spe
