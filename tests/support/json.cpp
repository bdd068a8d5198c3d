#include "support/json.hpp"

#include <sstream>

#include <boost/property_tree/json_parser.hpp>

namespace spe::test {

boost::property_tree::ptree parse_json(const std::string& text) {
  std::istringstream in(text);
  boost::property_tree::ptree tree;
  boost::property_tree::read_json(in, tree);
  return tree;
}

}  // namespace spe::test
