// The server's TLS context from the web config: certificate chain, key, and (with a client CA)
// required and verified client certificates. TLS 1.2 and later, as OpenMetrics asks of exposers.
#pragma once

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "http/web_config.hpp"
#include "util/result.hpp"

namespace spe::http {

// Loads the files into OpenSSL; an error names the key and where it was set:
// "tls.key_file: ... at web.toml:3:12". The key's bytes are wiped once OpenSSL holds its copy.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const TlsConfig& tls);

}  // namespace spe::http
