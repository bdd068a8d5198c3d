// HTTP requests and responses as plain data, so routes are written and tested without Beast.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/cancel_signal.hpp"

namespace spe::http {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // "/probe"
  std::string query;                           // "target=...&module=..." (without '?')
  std::map<std::string, std::string> headers;  // lower-case names
  // Fired by the server when the client disconnects before the response is sent, so a handler
  // that answers later (a probe) can stop. Null where no server set one.
  std::shared_ptr<CancelSignal> cancel;

  std::optional<std::string_view> header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    if (it == headers.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

inline Response text_response(int status, std::string body) {
  return Response{status, "text/plain; charset=utf-8", std::move(body), {}};
}

// Called exactly once per request, from any thread.
using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request, Respond)>;

}  // namespace spe::http
