// enumerate_resumable (checkpoint.hpp): chunked enumeration with one table file per finished chunk.
#include "ctm/checkpoint.hpp"

#include <filesystem>

#include "ctm/table_io.hpp"

namespace ctm {

Table enumerate_resumable(const EnumerateOptions& options, const std::string& dir, uint32_t chunks) {
  if (chunks < 1) throw Error("--resume-dir needs --chunks >= 1");
  EnumerateOptions opt = options;
  std::filesystem::create_directories(dir);
  Table total;
  for (uint32_t c = 0; c < chunks; ++c) {
    const std::string part = dir + "/chunk-" + std::to_string(c) + "-of-" + std::to_string(chunks) + ".ctm";
    Table t;
    if (std::filesystem::exists(part)) {
      try {
        t = read_table(part);
      } catch (const Error& e) {
        throw Error(std::string(e.what()) + "; delete '" + part + "' and rerun to recompute that chunk");
      }
      if (t.meta.space.states != opt.space.states || t.meta.space.symbols != opt.space.symbols || t.meta.space.dims != opt.space.dims ||
          (opt.cutoff && t.meta.cutoff != opt.cutoff))
        throw Error("checkpoint '" + part + "' belongs to another run (space " + t.meta.space.name() + ", cutoff " +
                    std::to_string(t.meta.cutoff) + ")");
    } else {
      opt.shard_index = c;
      opt.shard_count = chunks;
      t = enumerate(opt);
      write_table(t, part);
    }
    if (c == 0) total = t; else total.merge(t);
  }
  return total;
}

}  // namespace ctm
