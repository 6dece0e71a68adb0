// `ctm info`: a table file's metadata and summary.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "ctm/table_io.hpp"

namespace ctm::cli {

Command add_info(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto* info = app.add_subcommand("info", "Show a table file's metadata and summary");
  info->add_option("file", *file, "Table file")->required();
  return {info, [file] {
            print_summary(read_table(*file), std::cout);
            return 0;
          }};
}

}  // namespace ctm::cli
