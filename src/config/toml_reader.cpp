#include "config/toml_reader.hpp"

#include <algorithm>
#include <cmath>

#include "config/toml_parse.hpp"

namespace spe {

std::string ConfigErrors::to_string() const {
  std::string out;
  for (const Error& error : errors) {
    if (!out.empty()) out += '\n';
    out += error.to_string();
  }
  return out;
}

std::shared_ptr<const RE2> compile_config_regex(const std::string& pattern) {
  RE2::Options options(RE2::Quiet);
  options.set_max_mem(kRegexMaxMemory);
  return std::make_shared<const RE2>(pattern, options);
}

bool valid_config_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

std::string child_path(std::string_view parent, std::string_view name, bool bare) {
  return std::string(parent) + "." + (bare ? std::string(name) : in_quotes(name));
}

TomlFile::TomlFile(std::string file) : file_(std::move(file)) {
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(std::filesystem::path(file_), ec);
  dir_ = ec ? std::filesystem::path(".") : absolute.parent_path();
}

SourcePos TomlFile::position(const toml::source_region& region) const {
  return SourcePos{file_, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string TomlFile::resolve(const std::string& path) const {
  const std::filesystem::path p(path);
  return (p.is_absolute() ? p : dir_ / p).lexically_normal().string();
}

std::optional<toml::table> TomlFile::parse(std::string_view text) {
  auto table = parse_toml_text(text, file_);
  if (table) return std::move(*table);
  add(std::move(table.error()));
  return std::nullopt;
}

void TomlFile::error(const std::string& path, const std::string& what, const toml::source_region& at) {
  error(path, what, position(at));
}

void TomlFile::error(const std::string& path, const std::string& what, SourcePos where) {
  add(Error{ErrorCode::invalid_argument, path + ": " + what, std::move(where)});
}

void TomlFile::add(Error error) {
  positions_.push_back(error.where.value_or(SourcePos{file_, 0, 0}));
  errors_.push_back(std::move(error));
}

void TomlFile::warning(const std::string& path, const std::string& what, const toml::source_region& at) {
  warnings_.push_back(ConfigWarning{path + ": " + what, position(at)});
}

ConfigErrors TomlFile::take_errors() {
  // File order reads best; tables are visited in key order. Ties keep the order found.
  std::vector<std::pair<std::pair<int, int>, std::size_t>> order;
  for (std::size_t i = 0; i < errors_.size(); ++i) {
    order.emplace_back(std::pair(positions_[i].line, positions_[i].column), i);
  }
  std::sort(order.begin(), order.end());
  ConfigErrors sorted;
  for (const auto& [position, index] : order) sorted.errors.push_back(std::move(errors_[index]));
  errors_.clear();
  positions_.clear();
  return sorted;
}

std::string TomlReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void TomlReader::report(const std::string& path, const std::string& what, const toml::source_region& at) {
  ++errors_;
  file_->error(path, what, at);
}

void TomlReader::error(std::string_view key, const std::string& what, const toml::source_region& at) {
  report(key_path(key), what, at);
}

void TomlReader::table_error(const std::string& what) { report(path_, what, table_->source()); }

void TomlReader::check_keys(std::span<const std::string_view> known) {
  for (const auto& [key, node] : *table_) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      error(key.str(), "unknown key", key.source());
    }
  }
}

void TomlReader::exclusive(std::string_view key, std::string_view other) {
  if (has(key) && has(other)) error(key, "cannot be used together with " + std::string(other));
}

void TomlReader::requires_key(std::string_view key, std::string_view needed) {
  if (has(key) && !has(needed)) error(key, "needs " + std::string(needed));
}

std::optional<std::string> TomlReader::string(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_string();
  if (value == nullptr) {
    error(key, "must be a string");
    return std::nullopt;
  }
  if (value->get().empty()) {
    error(key, "must not be empty");
    return std::nullopt;
  }
  return value->get();
}

std::optional<std::string> TomlReader::required_string(std::string_view key) {
  if (!has(key)) table_error(std::string(key) + " is required");
  return string(key);
}

std::optional<std::string> TomlReader::file_path(std::string_view key) {
  const auto value = string(key);
  return value ? std::optional(file_->resolve(*value)) : std::nullopt;
}

std::optional<std::int64_t> TomlReader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_integer();
  if (value == nullptr || value->get() < min || value->get() > max) {
    error(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return value->get();
}

std::optional<double> TomlReader::number(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  const auto value = number_of(*node);
  if (!value || !std::isfinite(*value)) {
    error(key, "must be a finite number");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> TomlReader::boolean(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_boolean()) return value->get();
  error(key, "must be a boolean (true or false)");
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> TomlReader::duration(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_string();
  if (value == nullptr) {
    error(key, "must be a duration string such as \"10s\"");
    return std::nullopt;
  }
  const auto parsed = parse_duration(value->get());
  if (!parsed) {
    error(key, parsed.error().message);
    return std::nullopt;
  }
  if (parsed->count() <= 0) {
    error(key, "must be greater than 0");
    return std::nullopt;
  }
  return *parsed;
}

std::optional<std::string> TomlReader::choice(std::string_view key, std::span<const std::string_view> choices) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_string();
  if (value != nullptr && std::find(choices.begin(), choices.end(), value->get()) != choices.end()) {
    return value->get();
  }
  error(key, "must be " + in_quotes(choices[0]) + " or " + in_quotes(choices[1]));
  return std::nullopt;
}

std::shared_ptr<const RE2> TomlReader::regex(std::string_view key) {
  const auto pattern = string(key);
  if (!pattern) return nullptr;
  auto regex = compile_config_regex(*pattern);
  if (regex->ok()) return regex;
  error(key, regex->error());
  return nullptr;
}

std::optional<std::vector<std::pair<std::string, const toml::node*>>> TomlReader::string_array(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  const auto* array = node->as_array();
  if (array == nullptr) {
    error(key, "must be an array of strings");
    return std::nullopt;
  }
  if (array->empty()) {
    error(key, "must not be empty");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, const toml::node*>> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (const auto* value = element.as_string()) {
      out.emplace_back(value->get(), &element);
    } else {
      error(std::string(key) + "[" + std::to_string(i) + "]", "must be a string", element);
    }
  }
  return out;
}

std::vector<TomlReader> TomlReader::tables(std::string_view key) {
  std::vector<TomlReader> out;
  const toml::node* node = find(key);
  if (node == nullptr) return out;
  const auto* array = node->as_array();
  if (array == nullptr) {
    error(key, "must be an array of tables ([[" + key_path(key) + "]])");
    return out;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string element = std::string(key) + "[" + std::to_string(i) + "]";
    if (const auto* table = array->get(i)->as_table()) {
      out.emplace_back(*file_, *table, key_path(element));
    } else {
      error(element, "must be a table", *array->get(i));
    }
  }
  return out;
}

std::optional<TomlReader> TomlReader::subtable(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* table = node->as_table()) return TomlReader(*file_, *table, key_path(key));
  error(key, "must be a table");
  return std::nullopt;
}

std::optional<double> TomlReader::number_of(const toml::node& node) {
  if (const auto* value = node.as_integer()) return static_cast<double>(value->get());
  if (const auto* value = node.as_floating_point()) return value->get();
  return std::nullopt;
}

std::optional<std::string> read_entry_name(TomlReader& table, std::string_view kind,
                                           std::map<std::string, std::string>& taken) {
  auto name = table.required_string("name");
  if (!name) return std::nullopt;
  if (!valid_config_name(*name)) {
    table.error("name", std::string(kind) + " name must match [A-Za-z0-9_.-]+");
  } else if (const auto [it, fresh] = taken.try_emplace(*name, table.path()); !fresh) {
    table.error("name", in_quotes(*name) + " is already the name of " + it->second);
  }
  return name;
}

}  // namespace spe
