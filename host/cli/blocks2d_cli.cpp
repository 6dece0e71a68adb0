// `ctm blocks2d`: a 2D block table (K of every block shape up to --max) derived from a 2D table.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "ctm/blocks2d.hpp"
#include "ctm/output_file.hpp"
#include "ctm/table_io.hpp"

namespace ctm::cli {

Command add_blocks2d(CLI::App& app) {
  struct Args {
    std::string file, out_path, max_block = "4x4", block_mode = "whole";
    bool quiet = false;
  };
  auto a = std::make_shared<Args>();
  auto* b2 = app.add_subcommand("blocks2d", "Derive a 2D block table (K of every block shape up to --max) from a 2D table");
  b2->add_option("file", a->file, "2D table file (ctm enumerate --dims 2)")->required();
  b2->add_option("--max", a->max_block, "Largest block, RxC (default 4x4, at most 8x8): every shape h x w with h <= R, w <= C");
  b2->add_option("--mode", a->block_mode, "whole: outputs equal to the block (default, closer to the published 4x4 table); sub: sub-blocks of every output");
  b2->add_option("--out,-o", a->out_path, "Output file, key<TAB>K (.gz: gzip)")->required();
  b2->add_flag("--quiet,-q", a->quiet, "No summary line");
  return {b2, [a] {
            int max_rows = 0, max_cols = 0;
            char tail = 0;
            if (std::sscanf(a->max_block.c_str(), "%dx%d%c", &max_rows, &max_cols, &tail) != 2)
              throw Error("--max '" + a->max_block + "': expected RxC (e.g. 4x4)");
            const BlockMode mode = parse_block_mode(a->block_mode);
            check_output_path(a->out_path);
            const Table t = read_table(a->file);
            const KTable kt = block_k_table(t, max_rows, max_cols, mode);
            const std::string comment = "ctm blocks2d --max " + a->max_block + " --mode " + a->block_mode + " " +
                                        std::filesystem::path(a->file).filename().string() + "\n" + kt.source + "\nfrom " +
                                        to_string(t.machines) + " machines, H = " + to_string(t.halting) + ", " +
                                        std::to_string(t.counts.size()) + " distinct outputs\nkey (rows joined by '-')\tK";
            write_block_table(kt, a->out_path, comment);
            if (!a->quiet) std::cout << kt.k.size() << " blocks written to " << a->out_path << "\n";
            return 0;
          }};
}

}  // namespace ctm::cli
