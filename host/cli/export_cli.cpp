// `ctm export`: a table's rows as text, TSV with metadata comments or plain CSV (docs/table-format.md).
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "ctm/table_io.hpp"

namespace ctm::cli {

Command add_export(CLI::App& app) {
  struct Args {
    std::string file, format = "tsv";
  };
  auto a = std::make_shared<Args>();
  auto* ex = app.add_subcommand("export", "Write a table as text: string, count, K");
  ex->add_option("file", a->file, "Table file")->required();
  ex->add_option("--format", a->format, "tsv | csv");
  return {ex, [a] {
            if (a->format != "tsv" && a->format != "csv") throw Error("unknown format '" + a->format + "' (expected tsv or csv)");
            export_table(read_table(a->file), std::cout, a->format == "csv" ? ',' : '\t');
            return 0;
          }};
}

}  // namespace ctm::cli
