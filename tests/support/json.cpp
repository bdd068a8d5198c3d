#include "support/json.hpp"

#include <sstream>

// Boost 1.74's JSON parser includes the deprecated <boost/bind.hpp>, which prints a notice unless the global
// placeholders are asked for explicitly.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <boost/property_tree/json_parser.hpp>

namespace spe::test {

boost::property_tree::ptree parse_json(const std::string& text) {
  std::istringstream in(text);
  boost::property_tree::ptree tree;
  boost::property_tree::read_json(in, tree);
  return tree;
}

}  // namespace spe::test
