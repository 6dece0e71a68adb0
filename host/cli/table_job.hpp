// What `ctm enumerate` and `ctm sample` share: backend and device checks, this rank's threads and
// GPU, the run itself (in one process, or as a chunked job through host/cluster when there is a
// resume folder or several MPI ranks), and the table written and summarised by rank 0.
#pragma once
#include <iostream>
#include <optional>
#include <string>

#include "cluster/job.hpp"
#include "commands.hpp"
#include "ctm/output_file.hpp"
#include "ctm/table_io.hpp"

namespace ctm::cli {

struct TableJobArgs {
  std::string out_path, resume_dir;
  uint32_t chunks = 64;
  bool quiet = false;
};

// `Options` is EnumerateOptions or SampleOptions; make_job(options) gives the chunked job and
// run_plain(options) the table of one process.
template <class Options, class MakeJob, class RunPlain>
int run_table_job(const CLI::App& cmd, Options& o, TableJobArgs& a, const char* what, bool tree, MakeJob&& make_job,
                  RunPlain&& run_plain) {
  if (cmd.count("--cutoff") && o.cutoff < 1) throw Error("--cutoff must be at least 1");
  if (o.device < 0) throw Error("--device must be >= 0 (got " + std::to_string(o.device) + ")");
  if (o.backend != "auto" && o.backend != "cpu" && o.backend != "cuda")
    throw Error("unknown backend '" + o.backend + "' (expected auto, cpu or cuda)");
  const cluster::World& w = cluster::world();
  if (cmd.count("--chunks") && a.resume_dir.empty() && w.size == 1)
    throw Error("--chunks needs --resume-dir or an MPI launch (it splits the run into that many chunks)");
  warn_unused_device(cmd, o.backend, o.device);
  if (w.root()) check_output_path(a.out_path);
  o.threads = rank_threads(o.threads);
  if (w.local_size > 1 && !cmd.count("--device") && o.backend != "cpu") o.device = cluster::device_for_rank(o.device);
  o.warn = print_warning;
  Table t;
  if (!a.resume_dir.empty() || w.size > 1) {
    cluster::ChunkJob job = make_job(o);
    job.progress = chunk_progress_line(a.quiet, what);
    std::optional<Table> r = cluster::run_chunks(job);
    if (!r) return 0;  // another rank: rank 0 writes the table
    t = std::move(*r);
  } else {
    o.progress = progress_line(a.quiet, tree);
    t = run_plain(o);
  }
  clear_progress_line(a.quiet || !w.root());
  write_table(t, a.out_path);
  if (!a.quiet) {
    print_summary(t, std::cout);
    std::cout << "written          " << a.out_path << "\n";
  }
  return 0;
}

}  // namespace ctm::cli
