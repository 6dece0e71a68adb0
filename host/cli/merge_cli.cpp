// `ctm merge`: adds tables of the same space and cutoff (shards, chunks, sampled ranges) exactly.
#include <iostream>
#include <memory>
#include <vector>

#include "commands.hpp"
#include "ctm/output_file.hpp"
#include "ctm/table_io.hpp"

namespace ctm::cli {

Command add_merge(CLI::App& app) {
  struct Args {
    std::vector<std::string> inputs;
    std::string out_path;
    bool quiet = false;
  };
  auto a = std::make_shared<Args>();
  auto* mg = app.add_subcommand("merge", "Add tables of the same space and cutoff (shards, chunks)");
  mg->add_option("files", a->inputs, "Table files")->required();
  mg->add_option("--out,-o", a->out_path, "Merged table file")->required();
  mg->add_flag("--quiet,-q", a->quiet, "No summary");
  return {mg, [a] {
            Table t = read_table(a->inputs.at(0));
            for (size_t i = 1; i < a->inputs.size(); ++i) t.merge(read_table(a->inputs[i]));
            t.check_consistency();
            check_output_path(a->out_path);
            write_table(t, a->out_path);
            if (!a->quiet) print_summary(t, std::cout);
            return 0;
          }};
}

}  // namespace ctm::cli
