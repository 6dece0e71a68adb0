// Option checks shared by every subcommand: CLI11 parses "-1" into an unsigned option as 2^64 - 1,
// so negative values are refused before the conversion, with one line naming the option.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace ctm::cli {

// A validator for options that must not be negative (unsigned or signed targets):
// `app.add_option("--seed", seed)->check(ctm::cli::non_negative())`.
inline CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const size_t first = value.find_first_not_of(" \t");
        if (first != std::string::npos && value[first] == '-') return "must not be negative (got " + value + ")";
        return "";
      },
      "", "NON_NEGATIVE");
}

// Adds non_negative() to every option of `app` and its subcommands whose target is an unsigned
// integer (CLI11's type name "UINT"), so no subcommand can forget it. Call after registering all.
inline void reject_negative_unsigned(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    const std::string type = opt->get_type_name();
    if (type.rfind("UINT", 0) == 0) opt->check(non_negative());
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) reject_negative_unsigned(*sub);
}

}  // namespace ctm::cli
