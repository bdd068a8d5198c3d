// A small HTTP/1.1 client for the system tests: one request per connection (Connection: close) to 127.0.0.1,
// with a hard deadline, and a way to fire many requests at the same instant.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spe::test {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case; repeated headers joined with ", "
  std::string body;                            // as received: not decompressed
  // Transport error as "stage: reason" ("connect: Connection refused", "read: timeout"); empty if ok.
  std::string error;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Sends one request to 127.0.0.1:port and reads the whole response, all within timeout. Host, User-Agent,
// Connection: close and (with a body) Content-Length are set; headers given here replace those. Never throws
// for network trouble: error says what went wrong and status stays 0.
HttpResponse http_request(unsigned short port, std::string_view method, std::string_view target,
                          const HttpHeaders& headers = {}, std::string_view body = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds{30});

HttpResponse http_get(unsigned short port, std::string_view target, const HttpHeaders& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds{30});

struct TimedResponse {
  HttpResponse response;
  std::chrono::milliseconds elapsed{0};  // from the common start until this response (or error) was complete
};

// GETs every target at once: all connections are opened together on one io_context thread, each with the same
// deadline (start + timeout). Results are in the order of targets. Raises RLIMIT_NOFILE to the hard limit.
std::vector<TimedResponse> http_get_concurrent(unsigned short port, const std::vector<std::string>& targets,
                                               std::chrono::milliseconds timeout, const HttpHeaders& headers = {});

}  // namespace spe::test
