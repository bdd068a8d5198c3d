// Where the server listens: an address and a port, as --web.listen-address gives them (the command
// line parses them: cli/options.hpp).
#pragma once

#include <string>

namespace spe::http {

struct ListenAddress {
  std::string host;         // an IP address or "localhost"; empty: every interface (IPv6 and IPv4)
  unsigned short port = 0;  // 0: any free port
};

}  // namespace spe::http
