// `ctm enumerate`: the exact table of a space (1D or 2D), whole, one shard, or resumable in chunks.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "cluster/job.hpp"
#include "ctm/output_file.hpp"
#include "ctm/table_io.hpp"

namespace ctm::cli {
namespace {

struct ShardArg {
  uint32_t index = 0, count = 1;
};

ShardArg parse_shard(const std::string& s) {
  ShardArg a;
  if (s.empty()) return a;
  const size_t slash = s.find('/');
  // Digits only: stoul would take "-2" as 2^64 - 2 and a 32-bit cast would wrap larger values.
  auto number = [&](const std::string& digits) -> uint32_t {
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
      throw Error("--shard expects I/M with 0 <= I < M (got '" + s + "')");
    return static_cast<uint32_t>(std::stoul(digits));
  };
  if (slash == std::string::npos) throw Error("--shard expects I/M with 0 <= I < M (got '" + s + "')");
  a.index = number(s.substr(0, slash));
  a.count = number(s.substr(slash + 1));
  if (a.count < 1 || a.index >= a.count) throw Error("--shard expects I/M with 0 <= I < M (got '" + s + "')");
  return a;
}

struct Args {
  EnumerateOptions eo;
  std::string out_path, shard_text, resume_dir;
  uint32_t chunks = 64;
  bool quiet = false;
};

int run(CLI::App& en, Args& a) {
  EnumerateOptions& eo = a.eo;
  const ShardArg sh = parse_shard(a.shard_text);
  eo.shard_index = sh.index;
  eo.shard_count = sh.count;
  eo.space.validate();
  if (eo.cutoff == 0 && standard_cutoff(eo.space) == 0)
    throw Error("no standard cutoff for space " + eo.space.name() + ": give one with --cutoff");
  if (en.count("--cutoff") && eo.cutoff < 1) throw Error("--cutoff must be at least 1");
  if (eo.device < 0) throw Error("--device must be >= 0 (got " + std::to_string(eo.device) + ")");
  if (eo.backend != "auto" && eo.backend != "cpu" && eo.backend != "cuda")
    throw Error("unknown backend '" + eo.backend + "' (expected auto, cpu or cuda)");
  if (!a.resume_dir.empty() && (a.chunks < 1 || sh.count > 1)) throw Error("--resume-dir needs --chunks >= 1 and no --shard");
  const cluster::World& w = cluster::world();
  if (w.size > 1 && (a.chunks < 1 || sh.count > 1)) throw Error("an MPI run needs --chunks >= 1 and no --shard");
  if (en.count("--chunks") && a.resume_dir.empty() && w.size == 1)
    throw Error("--chunks needs --resume-dir or an MPI launch (it splits the run into that many chunks)");
  warn_unused_device(en, eo.backend, eo.device);
  if (w.root()) check_output_path(a.out_path);
  eo.threads = rank_threads(eo.threads);
  if (w.local_size > 1 && !en.count("--device") && eo.backend != "cpu") eo.device = cluster::device_for_rank(eo.device);
  eo.warn = print_warning;
  Table t;
  if (!a.resume_dir.empty() || w.size > 1) {
    cluster::ChunkJob job = cluster::enumeration_job(eo, a.resume_dir, a.chunks);
    job.progress = chunk_progress_line(a.quiet, "enumeration");
    std::optional<Table> r = cluster::run_chunks(job);
    if (!r) return 0;  // another rank: rank 0 writes the table
    t = std::move(*r);
  } else {
    eo.progress = progress_line(a.quiet, true);
    t = enumerate(eo);
  }
  clear_progress_line(a.quiet || !w.root());
  write_table(t, a.out_path);
  if (!a.quiet) {
    print_summary(t, std::cout);
    std::cout << "written          " << a.out_path << "\n";
  }
  return 0;
}

}  // namespace

Command add_enumerate(CLI::App& app) {
  auto a = std::make_shared<Args>();
  EnumerateOptions& eo = a->eo;
  auto* en = app.add_subcommand("enumerate", "Compute the exact output-frequency table of a machine space");
  en->add_option("--states,-n", eo.space.states, "Number of states n")->required();
  en->add_option("--symbols,-k", eo.space.symbols, "Number of symbols k")->required();
  en->add_option("--dims", eo.space.dims, "1 (tape) or 2 (grid, turmites; needs --cutoff)");
  en->add_option("--cutoff,-T", eo.cutoff, "Step cutoff T (default: the spec's standard cutoff)");
  en->add_option("--backend", eo.backend, "auto | cpu | cuda");
  en->add_option("--threads,-j", eo.threads, "CPU threads (0 = all)");
  en->add_option("--device", eo.device, "CUDA device index (with --backend cuda or auto)");
  en->add_option("--shard", a->shard_text, "Run only slice I/M of the work items (merge the parts with ctm merge)");
  en->add_option("--resume-dir", a->resume_dir, "Save finished chunks here and skip them when rerun");
  en->add_option("--chunks", a->chunks, "Number of chunks with --resume-dir or under MPI (default 64; docs/cluster.md)");
  en->add_option("--out,-o", a->out_path, "Table file to write")->required();
  en->add_flag("--quiet,-q", a->quiet, "No progress line or summary");
  return {en, [en, a] { return run(*en, *a); }};
}

}  // namespace ctm::cli
