// Result<T> and Error: how expected failures travel as values (see docs/development.md, "Error handling").
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace spe {

// A short closed list, modelled on absl::StatusCode: pick the most specific one.
enum class ErrorCode {
  invalid_argument,
  not_found,
  deadline_exceeded,
  unavailable,
  unauthenticated,
  permission_denied,
  failed_precondition,
  internal,
};

constexpr std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::deadline_exceeded: return "deadline_exceeded";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::unauthenticated: return "unauthenticated";
    case ErrorCode::permission_denied: return "permission_denied";
    case ErrorCode::failed_precondition: return "failed_precondition";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

// Where in a config file an error is (1-based line and column).
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  std::string to_string() const { return file + ":" + std::to_string(line) + ":" + std::to_string(column); }
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::optional<SourcePos> where;

  // "message" or "message at file:line:col".
  std::string to_string() const { return where ? message + " at " + where->to_string() : message; }
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message), std::nullopt});
}

inline std::unexpected<Error> fail(ErrorCode code, std::string message, SourcePos where) {
  return std::unexpected<Error>(Error{code, std::move(message), std::move(where)});
}

}  // namespace spe
