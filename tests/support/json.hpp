// Reading JSON in tests (Prometheus' API answers, the Grafana dashboard) as a Boost property tree.
#pragma once

#include <string>

#include <boost/property_tree/ptree.hpp>

namespace spe::test {

// The tree of text; throws boost::property_tree::json_parser_error when text is not JSON.
boost::property_tree::ptree parse_json(const std::string& text);

}  // namespace spe::test
