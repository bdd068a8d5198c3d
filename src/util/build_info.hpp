// The exporter's version and the source revision it was built from. Defined in a file CMake
// generates at configure time, so a new revision recompiles that one file, not every file.
#pragma once

#include <string_view>

namespace spe {

std::string_view build_version();   // "0.1.0", the project's version in CMakeLists.txt
std::string_view build_revision();  // "00c281a", git's short hash at configure time, or "unknown"

}  // namespace spe
