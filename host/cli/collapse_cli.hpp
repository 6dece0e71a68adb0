// `ctm collapse`: registered on the main command line by one call (see collapse_cli.cpp).
#pragma once
#include <CLI/CLI.hpp>

namespace ctm::cli {
// Adds the `collapse` subcommand; it runs from its CLI11 callback and throws ctm::Error on failure.
void add_collapse_subcommand(CLI::App& app);
}  // namespace ctm::cli
