// `ctm export`: a table's rows as text, TSV with metadata comments or plain CSV (docs/table-format.md).
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "ctm/output_file.hpp"
#include "ctm/table_io.hpp"

namespace ctm::cli {

Command add_export(CLI::App& app) {
  struct Args {
    std::string file, format = "tsv", out;
    size_t max_length = 0;
  };
  auto a = std::make_shared<Args>();
  auto* ex = app.add_subcommand("export", "Write a table as text: string, count, K");
  ex->add_option("file", a->file, "Table file")->required();
  ex->add_option("--format", a->format, "tsv | csv");
  ex->add_option("--max-length", a->max_length, "Only strings of at most this many symbols (1D tables)");
  ex->add_option("--out,-o", a->out, "Write to this file instead of standard output (gzipped when it ends in .gz)");
  return {ex, [a] {
            if (a->format != "tsv" && a->format != "csv") throw Error("unknown format '" + a->format + "' (expected tsv or csv)");
            if (!a->out.empty()) check_output_path(a->out, "export");
            const Table t = read_table(a->file);
            const char sep = a->format == "csv" ? ',' : '\t';
            if (a->out.empty()) {
              export_table(t, std::cout, sep, a->max_length);
              return 0;
            }
            std::ostringstream text;
            export_table(t, text, sep, a->max_length);
            const bool gz = a->out.size() > 3 && a->out.compare(a->out.size() - 3, 3, ".gz") == 0;
            write_output_file(a->out, gz ? gzip_bytes(text.str()) : text.str(), "export");
            return 0;
          }};
}

}  // namespace ctm::cli
