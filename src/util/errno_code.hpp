// The ErrorCode for a failed file operation's errno.
#pragma once

#include <cerrno>

#include "util/result.hpp"

namespace spe {

constexpr ErrorCode code_for_errno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR: return ErrorCode::not_found;
    case EACCES:
    case EPERM: return ErrorCode::permission_denied;
    default: return ErrorCode::unavailable;
  }
}

}  // namespace spe
