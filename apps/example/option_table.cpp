#include "apps/example/option_table.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

#include <CLI/CLI.hpp>

#include "apps/example/config_file.hpp"
#include "apps/example/option_values.hpp"

namespace actorserve {

namespace {

constexpr const char* config_option = "config";
constexpr const char* print_config_option = "print-config";
constexpr const char* help_option = "help";

/// A value as TOML: a number or a boolean as it is, anything else as a
/// literal string ('...': read back as written, backslashes included).
std::string toml_value(const std::string& text) {
  bool number = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos
                && std::count(text.begin(), text.end(), '.') <= 1 && text.front() != '.'
                && text.back() != '.';
  if (number || text == "true" || text == "false")
    return text;
  if (text.find('\'') == std::string::npos && text.find('\n') == std::string::npos)
    return "'" + text + "'";
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

/// A message about a value, after where the value came from (nothing for
/// the command line, whose messages name the option already).
std::string from(const std::string& where, const std::string& message) {
  return where.empty() ? message : where + ": " + message;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    out.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos)
      return out;
    start = comma + 1;
  }
}

} // namespace

option_table::option_table(std::string program, std::string description)
  : program_(std::move(program)), description_(std::move(description)) {
}

option_table::~option_table() = default;

void option_table::group(std::string title) {
  group_ = std::move(title);
}

option_table::option& option_table::declare(option o) {
  o.group = group_;
  options_.push_back(std::move(o));
  return options_.back();
}

void option_table::add(std::string name, std::string value_name, std::string help,
                       std::string default_value, std::function<void(const std::string&)> apply) {
  option o;
  o.name = std::move(name);
  o.value_name = std::move(value_name);
  o.help = std::move(help);
  o.default_value = std::move(default_value);
  o.apply = std::move(apply);
  declare(std::move(o));
}

void option_table::add_list(std::string name, std::string value_name, std::string help,
                            std::function<void(const std::string&)> apply) {
  option o;
  o.name = std::move(name);
  o.value_name = std::move(value_name);
  o.help = std::move(help);
  o.repeatable = true;
  o.apply = std::move(apply);
  declare(std::move(o));
}

void option_table::add_flag(std::string name, std::string help, std::function<void()> apply) {
  option o;
  o.name = std::move(name);
  o.help = std::move(help);
  o.default_value = "false";
  o.apply = [apply = std::move(apply)](const std::string& value) {
    if (value == "true")
      apply();
  };
  declare(std::move(o));
}

option_table::option* option_table::find(const std::string& name) {
  for (auto& o : options_)
    if (o.name == name)
      return &o;
  return nullptr;
}

std::string option_table::environment_name(const std::string& option) {
  std::string out = "ACTORSERVE_";
  for (char c : option)
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> option_table::flag_values(const option& o,
                                                   const std::vector<std::string>& given,
                                                   const std::string& where) const {
  if (given.size() != 1)
    throw usage_error(from(where, "option --" + o.name + " takes true or false"));
  try {
    return {parse_bool(o.name, given.front()) ? "true" : "false"};
  } catch (const usage_error& e) {
    throw usage_error(from(where, e.what()));
  }
}

void option_table::apply(option& o, std::vector<std::string> values, const std::string& where) {
  if (o.value_name.empty())
    values = flag_values(o, values, where);
  else if (!o.repeatable && values.size() != 1)
    throw usage_error(from(where, "option --" + o.name + " takes one value, got "
                                    + std::to_string(values.size())));
  o.given = true;
  o.values = values;
  for (auto& v : values) {
    try {
      o.apply(v);
    } catch (const usage_error& e) {
      throw usage_error(from(where, e.what()));
    } catch (const std::exception& e) {
      throw usage_error(from(where, "option --" + o.name + ": '" + v + "' is not valid: "
                                      + e.what()));
    }
  }
}

std::vector<std::string> option_table::with_empty_values(int argc, char** argv) {
  // CLI11 reads "--name=" as "--name" and takes the next argument as its
  // value: "--allowed-host= --access-log" would make "--access-log" a host.
  // An empty value is given as one ("--name" ""), where it can mean
  // something: not to a flag, a list or the few options of the table's own.
  std::vector<std::string> args{argv, argv + argc};
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto& arg = args[i];
    if (arg == "--")
      break; // what follows is no option
    if (arg.size() < 4 || arg.rfind("--", 0) != 0 || arg.find('=') != arg.size() - 1)
      continue;
    auto name = arg.substr(2, arg.size() - 3);
    auto* o = find(name);
    if (o == nullptr)
      throw usage_error("option --" + name + " takes no empty value (see --help)");
    if (o->value_name.empty())
      throw usage_error("option --" + name + " takes true or false, got ''");
    if (o->repeatable)
      throw usage_error("option --" + name + " takes a value, got ''");
    arg.pop_back();
    args.insert(args.begin() + static_cast<std::ptrdiff_t>(++i), std::string{});
  }
  return args;
}

option_table::outcome option_table::parse(int argc, char** argv) {
  return parse(argc, argv, [](const std::string& name) { return std::getenv(name.c_str()); });
}

option_table::outcome
option_table::parse(int argc, char** argv,
                    const std::function<const char*(const std::string&)>& environment) {
  CLI::App cli{description_, program_};
  cli.set_help_flag(); // --help is ours: it prints the grouped list and exits 0
  cli.allow_windows_style_options(false);
  std::map<std::string, CLI::Option*> given;
  for (auto& o : options_) {
    CLI::Option* opt = nullptr;
    if (o.value_name.empty()) {
      opt = cli.add_flag("--" + o.name, o.help);
    } else {
      opt = cli.add_option("--" + o.name, o.help)->type_name(o.value_name)->expected(1);
      opt->multi_option_policy(o.repeatable ? CLI::MultiOptionPolicy::TakeAll
                                            : CLI::MultiOptionPolicy::TakeLast);
    }
    given[o.name] = opt;
  }
  auto* help_flag = cli.add_flag("--" + std::string{help_option});
  auto* print_flag = cli.add_flag("--" + std::string{print_config_option});
  auto* config = cli.add_option("--" + std::string{config_option})->expected(1);
  cli.allow_extras(); // what is left over is named below, in our words
  auto args = with_empty_values(argc, argv);
  std::vector<char*> pointers;
  for (auto& a : args)
    pointers.push_back(a.data());
  try {
    cli.parse(static_cast<int>(pointers.size()), pointers.data());
  } catch (const CLI::ParseError& e) {
    throw usage_error(std::string(e.what()) + " (see --help)");
  }
  for (auto& extra : cli.remaining()) {
    if (extra.rfind("--", 0) == 0)
      throw usage_error("unknown option " + extra.substr(0, extra.find('=')) + " (see --help)");
    throw usage_error("unexpected argument '" + extra + "' (options look like --name=value)");
  }
  outcome result;
  result.help = help_flag->count() > 0;
  result.print_config = print_flag->count() > 0;
  if (result.help)
    return result;

  // The file's entries, by option name.
  std::map<std::string, config_entry> from_file;
  std::string config_file;
  if (config->count() > 0)
    config_file = config->results().back();
  else if (auto env = environment(environment_name(config_option)); env && *env)
    config_file = env;
  if (!config_file.empty()) {
    for (auto& entry : read_config_file(config_file)) {
      if (find(entry.key) == nullptr)
        throw usage_error(config_file + ":" + std::to_string(entry.line) + ": unknown key '"
                          + entry.key + "' (see --help)");
      from_file.emplace(entry.key, std::move(entry));
    }
  }

  for (auto& o : options_) {
    auto* opt = given[o.name];
    if (opt->count() > 0) {
      auto values = opt->results(); // a flag's: "true", or what --flag=VALUE says
      if (!o.repeatable) // the last one given counts
        values = {values.back()};
      apply(o, values, "");
    } else if (auto env = environment(environment_name(o.name)); env && *env) {
      std::string text = env;
      apply(o, o.repeatable ? split_commas(text) : std::vector<std::string>{text},
            environment_name(o.name) + "='" + text + "'");
    } else if (auto it = from_file.find(o.name); it != from_file.end()) {
      auto& entry = it->second;
      std::string shown;
      for (auto& v : entry.values)
        shown += (shown.empty() ? "" : ", ") + v;
      if (entry.array)
        shown = "[" + shown + "]";
      apply(o, entry.values,
            config_file + ":" + std::to_string(entry.line) + ": " + o.name + " = '" + shown + "'");
    } else if (!o.default_value.empty()) {
      o.values = {o.default_value};
    }
  }
  return result;
}

namespace {

/// `text` wrapped at `width` columns, every line after the first indented
/// by `indent`.
std::string wrapped(const std::string& text, std::size_t indent, std::size_t width) {
  std::string out;
  std::size_t column = indent;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find(' ', pos);
    if (end == std::string::npos)
      end = text.size();
    auto word = text.substr(pos, end - pos);
    if (column > indent && column + 1 + word.size() > width) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    pos = end + 1;
  }
  return out;
}

} // namespace

std::string option_table::help() const {
  constexpr std::size_t column = 32;
  constexpr std::size_t width = 100;
  std::string out = "Usage: " + program_ + " [OPTIONS]\n\n" + description_ + "\n";
  auto line = [&](const std::string& head, const std::string& text) {
    auto start = "  " + head;
    if (start.size() + 1 > column)
      out += start + "\n" + std::string(column, ' ');
    else
      out += start + std::string(column - start.size(), ' ');
    out += wrapped(text, column, width) + "\n";
  };
  std::string group;
  for (auto& o : options_) {
    if (o.group != group) {
      group = o.group;
      out += "\n" + group + ":\n";
      if (group == options_.front().group) {
        line("--help", "print this help and exit");
        line("--config FILE", "read options from this TOML file (see below)");
        line("--print-config",
             "print the effective configuration as TOML (a file --config reads) and exit");
      }
    }
    auto text = o.help;
    if (!o.value_name.empty() && !o.default_value.empty())
      text += " (default " + o.default_value + ")";
    line("--" + o.name + (o.value_name.empty() ? "" : " " + o.value_name), text);
  }
  // The rule, shown on this table's first option that takes a value.
  auto example = std::find_if(options_.begin(), options_.end(),
                              [](const option& o) { return !o.value_name.empty(); });
  std::string name = example == options_.end() ? "name" : example->name;
  out += "\n"
         + wrapped("Every option can also be set in the environment, as ACTORSERVE_ and its name "
                   "in capitals with dashes as underscores (--" + name + " is "
                   + environment_name(name) + "), or in the --config file as a TOML key ("
                   + name + " = ...; a key under [table] is prefixed with table-). The "
                   "command line wins over the environment, which wins over the file.",
                   0, width)
         + "\n";
  return out;
}

std::string option_table::effective_config() const {
  std::string out = "# " + program_
                    + ": the effective configuration (--print-config); --config reads it.\n";
  std::string group;
  for (auto& o : options_) {
    if (o.group != group) {
      group = o.group;
      out += "\n# " + group + "\n";
    }
    if (o.values.empty()) {
      out += "# " + o.name + " = (not set)\n";
    } else if (o.repeatable) {
      std::string list;
      for (auto& v : o.values)
        list += (list.empty() ? "" : ", ") + toml_value(v);
      out += o.name + " = [" + list + "]\n";
    } else {
      out += o.name + " = " + toml_value(o.values.back()) + "\n";
    }
  }
  return out;
}

} // namespace actorserve
