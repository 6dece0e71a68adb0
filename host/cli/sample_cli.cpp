// `ctm sample`: a table estimated from uniformly drawn machines (spaces too large to enumerate).
#include <algorithm>
#include <iostream>
#include <memory>

#include "table_job.hpp"
#include "ctm/sample.hpp"

namespace ctm::cli {
namespace {

struct Args {
  SampleOptions so;
  TableJobArgs job;
};

int run(CLI::App& sm, Args& a) {
  SampleOptions& so = a.so;
  so.space.validate_sampled();
  if (!sm.count("--chunks")) a.job.chunks = static_cast<uint32_t>(std::clamp<uint64_t>(so.machines, 1, a.job.chunks));
  return run_table_job(
      sm, so, a.job, "sample", false,
      [&](const SampleOptions& o) { return cluster::sample_job(o, a.job.resume_dir, a.job.chunks); },
      [](const SampleOptions& o) { return sample(o); });
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
  sm->add_option("--out,-o", a->job.out_path, "Table file to write")->required();
  sm->add_option("--resume-dir", a->job.resume_dir, "Save finished chunks (machine-index ranges) here and skip them when rerun");
  sm->add_option("--chunks", a->job.chunks, "Number of chunks with --resume-dir or under MPI (default 64; docs/cluster.md)");
  sm->add_flag("--quiet,-q", a->job.quiet, "No progress line or summary");
  return {sm, [sm, a] { return run(*sm, *a); }};
}

}  // namespace ctm::cli
