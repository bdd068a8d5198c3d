// Between Beast's messages and the plain Request/Response the handler sees: the request target
// split into path and query, header names in lower case; the response with the headers every
// answer carries (Server, X-Content-Type-Options: nosniff) and its length.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/message.hpp"

namespace spe::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

Request to_request(const BeastRequest& in);

// `version` is the request's (10 or 11); `keep_alive` sets the Connection header to match.
BeastResponse to_beast_response(Response response, unsigned version, bool keep_alive);

}  // namespace spe::http
