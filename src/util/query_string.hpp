// URL query strings ("a=1&b=x%20y"): percent-decoding and splitting into named parameters. The one
// query parser of the exporter: /probe's parameters and /logs' id are both read through it. Pure.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace spe {

// Percent-decodes ("%3A", "+" as space) a query component. Invalid escapes are invalid_argument
// `invalid percent escape "%zz"`.
Result<std::string> url_decode(std::string_view text);

// A query string split on '&' into name -> values (as sent, still encoded), names decoded. Empty
// pairs ("&&") are skipped; "name" without '=' has the empty value.
class QueryString {
 public:
  // A name that does not decode: invalid_argument `invalid query string: invalid percent escape ...`.
  static Result<QueryString> parse(std::string_view query);

  // The one value of `name`, decoded; nullopt when absent. A repeated name is invalid_argument
  // `repeated parameter "name"`, a value that does not decode `invalid parameter "name": why`.
  Result<std::optional<std::string>> single(std::string_view name) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;  // as sent, in order
};

}  // namespace spe
