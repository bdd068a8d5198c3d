#include "http/beast_message.hpp"

#include <string>
#include <string_view>
#include <utility>

#include "util/ascii.hpp"

namespace spe::http {
namespace {

namespace bhttp = boost::beast::http;

}  // namespace

Request to_request(const BeastRequest& in) {
  Request out;
  out.method = std::string(in.method_string());
  const std::string_view target = in.target();
  const auto question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
  for (const auto& field : in) out.headers[ascii_lower(field.name_string())] = std::string(field.value());
  return out;
}

BeastResponse to_beast_response(Response response, unsigned version, bool keep_alive) {
  BeastResponse message(static_cast<bhttp::status>(response.status), version);
  message.set(bhttp::field::server, "ssh_probe_exporter");
  // Error bodies echo the request (a target, a header value): no browser may sniff them as HTML.
  message.set("X-Content-Type-Options", "nosniff");
  message.set(bhttp::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) message.set(name, value);
  message.body() = std::move(response.body);
  message.keep_alive(keep_alive);
  message.prepare_payload();
  return message;
}

}  // namespace spe::http
