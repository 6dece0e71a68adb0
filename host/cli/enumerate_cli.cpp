// `ctm enumerate`: the exact table of a space (1D or 2D), whole, one shard, or resumable in chunks.
#include <iostream>
#include <memory>

#include "table_job.hpp"

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
  std::string shard_text;
  TableJobArgs job;
};

int run(CLI::App& en, Args& a) {
  EnumerateOptions& eo = a.eo;
  const ShardArg sh = parse_shard(a.shard_text);
  eo.shard_index = sh.index;
  eo.shard_count = sh.count;
  check_gpu_design(eo.gpu_design);
  eo.space.validate();
  if (eo.cutoff == 0 && standard_cutoff(eo.space) == 0)
    throw Error("no standard cutoff for space " + eo.space.name() + ": give one with --cutoff");
  if ((!a.job.resume_dir.empty() || cluster::world().size > 1) && (a.job.chunks < 1 || sh.count > 1))
    throw Error("--resume-dir and MPI runs need --chunks >= 1 and no --shard");
  return run_table_job(
      en, eo, a.job, "enumeration", true,
      [&](const EnumerateOptions& o) { return cluster::enumeration_job(o, a.job.resume_dir, a.job.chunks); },
      [](const EnumerateOptions& o) { return enumerate(o); });
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
  en->add_option("--gpu-design", eo.gpu_design,
                 "walk | wavefront: how the CUDA backend runs the tree (docs/gpu.md; the table is the same)");
  en->add_option("--threads,-j", eo.threads, "CPU threads (0 = all)");
  en->add_option("--device", eo.device, "CUDA device index (with --backend cuda or auto)");
  en->add_option("--ngram-after", eo.ngram_after,
                 "Steps of a run segment before the n-gram proof is tried (L=2, then L=5 as many steps later; "
                 "0 = never; default min(64, T/4); CPU backend). Changes only the proved / cut-off split, never a count")
      ->check(CLI::Range(0, 1000000));
  en->add_option("--bouncer-after", eo.bouncer_after,
                 "Steps of a run segment before the bouncer proof is tried (again each time they double; "
                 "0 = never; default 96; CPU backend). Changes only the proved / cut-off split, never a count")
      ->check(CLI::Range(0, 1000000));
  en->add_option("--shard", a->shard_text, "Run only slice I/M of the work items (merge the parts with ctm merge)");
  en->add_option("--resume-dir", a->job.resume_dir, "Save finished chunks here and skip them when rerun");
  en->add_option("--chunks", a->job.chunks, "Number of chunks with --resume-dir or under MPI (default 64; docs/cluster.md)");
  en->add_option("--out,-o", a->job.out_path, "Table file to write")->required();
  en->add_flag("--quiet,-q", a->job.quiet, "No progress line or summary");
  return {en, [en, a] { return run(*en, *a); }};
}

}  // namespace ctm::cli
