// `ctm sample`: a table estimated from uniformly drawn machines (spaces too large to enumerate).
#include <algorithm>
#include <iostream>
#include <memory>

#include "cluster/job.hpp"
#include "commands.hpp"
#include "ctm/output_file.hpp"
#include "ctm/sample.hpp"
#include "ctm/table_io.hpp"

namespace ctm::cli {
namespace {

struct Args {
  SampleOptions so;
  std::string out_path, resume_dir;
  uint32_t chunks = 64;
  bool quiet = false;
};

int run(CLI::App& sm, Args& a) {
  SampleOptions& so = a.so;
  so.space.validate_sampled();
  if (sm.count("--cutoff") && so.cutoff < 1) throw Error("--cutoff must be at least 1");
  if (so.device < 0) throw Error("--device must be >= 0 (got " + std::to_string(so.device) + ")");
  if (so.backend != "auto" && so.backend != "cpu" && so.backend != "cuda")
    throw Error("unknown backend '" + so.backend + "' (expected auto, cpu or cuda)");
  warn_unused_device(sm, so.backend, so.device);
  const cluster::World& w = cluster::world();
  if (sm.count("--chunks") && a.resume_dir.empty() && w.size == 1)
    throw Error("--chunks needs --resume-dir or an MPI launch (it splits the run into that many chunks)");
  if (!sm.count("--chunks")) a.chunks = static_cast<uint32_t>(std::clamp<uint64_t>(so.machines, 1, a.chunks));
  if (w.root()) check_output_path(a.out_path);
  so.threads = rank_threads(so.threads);
  if (w.local_size > 1 && !sm.count("--device") && so.backend != "cpu") so.device = cluster::device_for_rank(so.device);
  so.warn = print_warning;
  Table t;
  if (!a.resume_dir.empty() || w.size > 1) {
    cluster::ChunkJob job = cluster::sample_job(so, a.resume_dir, a.chunks);
    job.progress = chunk_progress_line(a.quiet, "sample");
    std::optional<Table> r = cluster::run_chunks(job);
    if (!r) return 0;  // another rank: rank 0 writes the table
    t = std::move(*r);
  } else {
    so.progress = progress_line(a.quiet, false);
    t = sample(so);
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

Command add_sample(CLI::App& app) {
  auto a = std::make_shared<Args>();
  SampleOptions& so = a->so;
  auto* sm = app.add_subcommand("sample", "Estimate a table from uniformly drawn machines (spaces too large to enumerate)");
  sm->add_option("--states,-n", so.space.states, "Number of states n")->required();
  sm->add_option("--symbols,-k", so.space.symbols, "Number of symbols k")->required();
  sm->add_option("--dims", so.space.dims, "1 (tape) or 2 (grid)");
  sm->add_option("--machines,-m", so.machines, "Number of machines to draw")->required();
  sm->add_option("--seed", so.seed, "Seed: machine i of a seed is the same in every run")->required();
  sm->add_option("--start", so.start, "First machine index (runs over disjoint ranges merge exactly)");
  sm->add_option("--cutoff,-T", so.cutoff, "Step cutoff T (default: the spec's standard cutoff)");
  sm->add_option("--threads,-j", so.threads, "CPU threads (0 = all)");
  sm->add_option("--backend", so.backend, "auto | cpu | cuda (auto: CUDA when a device is present)");
  sm->add_option("--device", so.device, "CUDA device index (with --backend cuda or auto)");
  sm->add_option("--out,-o", a->out_path, "Table file to write")->required();
  sm->add_option("--resume-dir", a->resume_dir, "Save finished chunks (machine-index ranges) here and skip them when rerun");
  sm->add_option("--chunks", a->chunks, "Number of chunks with --resume-dir or under MPI (default 64; docs/cluster.md)");
  sm->add_flag("--quiet,-q", a->quiet, "No progress line or summary");
  return {sm, [sm, a] { return run(*sm, *a); }};
}

}  // namespace ctm::cli
