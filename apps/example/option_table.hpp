#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "apps/example/usage_error.hpp"

namespace actorserve {

/// A program's options, read from three places:
/// - the command line: `--name=value`, `--name value`, `--flag`;
/// - the environment: `ACTORSERVE_NAME` (the name in capitals, dashes as
///   underscores; a repeatable option's values separated by commas);
/// - a TOML file named by `--config FILE` (or ACTORSERVE_CONFIG): `name =
///   value` at the top, or `value` under a table (`[http]` then `port =
///   8000` sets `http-port`); a repeatable option takes an array.
/// For each option the command line wins over the environment, which wins
/// over the file, which wins over the default. Anything not declared is a
/// usage_error that names it, so a typo never passes silently.
class option_table {
public:
  /// `program` and `description` head --help.
  option_table(std::string program, std::string description);
  ~option_table();
  option_table(const option_table&) = delete;
  option_table& operator=(const option_table&) = delete;

  /// Options added from here on are listed under `title` in --help.
  void group(std::string title);

  /// An option that takes one value; the last one given counts. `apply`
  /// parses it (throw usage_error or std::invalid_argument to refuse it).
  /// `default_value` is what applies when it is not given ("": nothing),
  /// shown by --help and --print-config.
  void add(std::string name, std::string value_name, std::string help,
           std::string default_value, std::function<void(const std::string&)> apply);

  /// An option that may be given several times; `apply` runs for each value.
  void add_list(std::string name, std::string value_name, std::string help,
                std::function<void(const std::string&)> apply);

  /// An option without a value on the command line (true or false in the
  /// environment and the file); `apply` runs when it is true.
  void add_flag(std::string name, std::string help, std::function<void()> apply);

  /// What the built-in options asked for.
  struct outcome {
    bool help = false;         ///< --help
    bool print_config = false; ///< --print-config
  };

  /// Reads the three places and applies every option given, in the order
  /// they were declared; throws usage_error. `environment` looks a variable
  /// up (nullptr: not set).
  outcome parse(int argc, char** argv,
                const std::function<const char*(const std::string&)>& environment);

  /// The same, with the process's environment.
  outcome parse(int argc, char** argv);

  /// The option list for --help, grouped.
  std::string help() const;

  /// After parse: every option's value as given or by default, as a TOML
  /// file that --config reads back.
  std::string effective_config() const;

  /// The environment variable that sets `option`: ACTORSERVE_HTTP_PORT.
  static std::string environment_name(const std::string& option);

private:
  struct option {
    std::string name;
    std::string value_name; // empty: a flag
    std::string help;
    std::string default_value;
    std::string group;
    bool repeatable = false;
    std::function<void(const std::string&)> apply;
    std::vector<std::string> values; // what parse applied
    bool given = false;
  };

  option& declare(option o);
  option* find(const std::string& name);
  /// argv with each "--name=" (nothing after the equals sign) as "--name"
  /// and an empty value; refused where an empty value means nothing.
  std::vector<std::string> with_empty_values(int argc, char** argv);
  std::vector<std::string> flag_values(const option& o, const std::vector<std::string>& given,
                                       const std::string& where) const;
  void apply(option& o, std::vector<std::string> values, const std::string& where);

  std::string program_;
  std::string description_;
  std::string group_ = "General";
  std::vector<option> options_;
};

} // namespace actorserve
