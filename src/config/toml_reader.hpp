// The one TOML reader of every config file (the exporter's, the module files it includes, the web
// config): a TomlFile collects every problem of one file with its key path and file:line:column,
// and a TomlReader reads one table of it with typed getters that report a wrong type or value.
// Loaders read each struct's keys with a reader, then check the rules between fields in a
// validate() beside the struct.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <re2/re2.h>
#include <toml++/toml.h>

#include "config/model.hpp"
#include "util/duration.hpp"
#include "util/quote.hpp"  // in_quotes, for messages of the readers
#include "util/result.hpp"

namespace spe {

// Every problem found, not just the first: --config.check prints them all.
struct ConfigErrors {
  std::vector<Error> errors;
  // One error per line, each "key.path: what is wrong at file:line:col".
  std::string to_string() const;
};

template <class T>
using ConfigResult = std::expected<T, ConfigErrors>;

// The memory one compiled config regex may use (RE2's max_mem: a pattern that needs more is a
// config error, "pattern too large").
inline constexpr std::int64_t kRegexMaxMemory = 8 << 20;

// Compiles `pattern` as config regexes are (RE2::Quiet, max_mem kRegexMaxMemory). The caller
// checks ok() and reports error().
std::shared_ptr<const RE2> compile_config_regex(const std::string& pattern);

// Whether `name` may name a module or a command: [A-Za-z0-9_.-]+.
bool valid_config_name(std::string_view name);

// "parent.name", or parent."name" when `bare` is false (a name TOML would need quoted).
std::string child_path(std::string_view parent, std::string_view name, bool bare);

// The problems of one file and what its readers share: its name (in every position) and its
// directory (relative paths in it resolve against that).
class TomlFile {
 public:
  explicit TomlFile(std::string file);

  const std::string& file() const { return file_; }
  SourcePos position(const toml::source_region& region) const;
  // `path` made absolute against the file's directory (unchanged when already absolute).
  std::string resolve(const std::string& path) const;

  // Parses `text` as this file's content; nullopt after recording the syntax error.
  std::optional<toml::table> parse(std::string_view text);

  // "path: what" at `at`.
  void error(const std::string& path, const std::string& what, const toml::source_region& at);
  void error(const std::string& path, const std::string& what, SourcePos where);
  // An error that already says where (or is placed at the file's start when it does not).
  void add(Error error);
  // Something that loads but deserves a look: logged at load, never refused.
  void warning(const std::string& path, const std::string& what, const toml::source_region& at);

  bool has_errors() const { return !errors_.empty(); }
  // The errors in file order (ties keep the order found), and none left here.
  ConfigErrors take_errors();
  std::vector<ConfigWarning> take_warnings() { return std::move(warnings_); }

 private:
  std::string file_;
  std::filesystem::path dir_;
  std::vector<Error> errors_;
  std::vector<SourcePos> positions_;  // of errors_, kept apart so sorting needs no optional
  std::vector<ConfigWarning> warnings_;
};

// One table of a TomlFile at its key path ("modules.disk.commands[0]"; "" for the root). Each
// getter returns nullopt (or null) for a missing key and, after reporting it, for a wrong one.
class TomlReader {
 public:
  TomlReader(TomlFile& file, const toml::table& table, std::string path)
      : file_(&file), table_(&table), path_(std::move(path)) {}

  TomlFile& file() const { return *file_; }
  const toml::table& table() const { return *table_; }
  const std::string& path() const { return path_; }
  // "path.key", or "key" at the root.
  std::string key_path(std::string_view key) const;
  // Where the table starts.
  SourcePos position() const { return file_->position(table_->source()); }
  // Errors reported through this reader so far.
  std::size_t errors() const { return errors_; }

  const toml::node* find(std::string_view key) const { return table_->get(key); }
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Errors about `key` (at `at`, or at the key's value), or about the table itself.
  void error(std::string_view key, const std::string& what, const toml::source_region& at);
  void error(std::string_view key, const std::string& what, const toml::node& at) { error(key, what, at.source()); }
  void error(std::string_view key, const std::string& what) { error(key, what, *find(key)); }
  void table_error(const std::string& what);
  void warning(std::string_view key, const std::string& what) {
    file_->warning(key_path(key), what, find(key)->source());
  }
  void table_warning(const std::string& what) { file_->warning(path_, what, table_->source()); }

  // Each key not in `known` is an "unknown key".
  void check_keys(std::span<const std::string_view> known);
  // Cross-field rules: `key` set together with `other`; `key` set without `needed`.
  void exclusive(std::string_view key, std::string_view other);
  void requires_key(std::string_view key, std::string_view needed);

  // A non-empty string.
  std::optional<std::string> string(std::string_view key);
  // As string(), and its absence is an error about the table ("name is required").
  std::optional<std::string> required_string(std::string_view key);
  // A non-empty string naming a file, made absolute against the file's directory.
  std::optional<std::string> file_path(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  // An integer or a float, finite.
  std::optional<double> number(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  // A duration string ("10s"), greater than 0.
  std::optional<std::chrono::milliseconds> duration(std::string_view key);
  // One of two `choices`, spelled exactly.
  std::optional<std::string> choice(std::string_view key, std::span<const std::string_view> choices);
  // A compiled regex (RE2's reason when it does not compile).
  std::shared_ptr<const RE2> regex(std::string_view key);
  // A non-empty array of strings, each with its node for per-element positions ("key[2]" is
  // blamed for an element that is no string, and left out).
  std::optional<std::vector<std::pair<std::string, const toml::node*>>> string_array(std::string_view key);
  // The tables of `key = [{...}]` or [[path.key]], each with its key path ("path.key[2]").
  std::vector<TomlReader> tables(std::string_view key);
  // The table at `key`.
  std::optional<TomlReader> subtable(std::string_view key);

  // An integer or a float as a double; nullopt for any other node.
  static std::optional<double> number_of(const toml::node& node);

 private:
  void report(const std::string& path, const std::string& what, const toml::source_region& at);

  TomlFile* file_;
  const toml::table* table_;
  std::string path_;
  std::size_t errors_ = 0;
};

// The `name` key of an entry in a list of tables (a command, a forward): required, [A-Za-z0-9_.-]+, and not yet
// in `taken` (name -> the key path of the table that has it), which it joins. Each problem is reported, naming
// the entry as `kind` ("command name must match ..."); the name as written is returned whenever it is a non-empty
// string.
std::optional<std::string> read_entry_name(TomlReader& table, std::string_view kind,
                                           std::map<std::string, std::string>& taken);

}  // namespace spe
