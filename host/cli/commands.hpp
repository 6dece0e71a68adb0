// The `ctm` subcommands, one file each (host/cli/<name>_cli.cpp). Each add_* registers its options
// on the app and returns the subcommand with the function that runs it once the line is parsed;
// main.cpp runs the one that was given. Library errors are thrown as ctm::Error.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <string>

#include "ctm/enumerate.hpp"
#include "ctm/table.hpp"

namespace ctm::cli {

struct Command {
  CLI::App* sub;
  std::function<int()> run;  // exit status
};

Command add_enumerate(CLI::App& app);
Command add_sample(CLI::App& app);
Command add_merge(CLI::App& app);
Command add_info(CLI::App& app);
Command add_export(CLI::App& app);
Command add_lookup(CLI::App& app);
Command add_blocks2d(CLI::App& app);
Command add_machines(CLI::App& app);
Command add_bench(CLI::App& app);

// Shared by the table commands (summary.cpp).
std::string human(double v);  // 1234567 -> "1.23M"
void print_summary(const Table& t, std::ostream& out);
void print_warning(const std::string& message);  // "ctm: warning: ..." on stderr
// A progress line on stderr when it is a terminal and not --quiet (empty function otherwise), and
// the call that clears it. `tree` shows partial machines/s (enumerate), else machines/s (sample).
std::function<bool(const Progress&)> progress_line(bool quiet, bool tree);
void clear_progress_line(bool quiet);
// A chunked run (--resume-dir, or several MPI ranks): one line for the whole job on rank 0, and the
// job run through host/cluster (nothing on the other ranks, which return no table).
std::function<void(uint32_t done, uint32_t total, double seconds)> chunk_progress_line(bool quiet, const char* what);
// CPU threads of this rank: --threads (0 = every core) shared among the ranks of its node.
int rank_threads(int threads);
// --device only matters when the run can use CUDA: one warning instead of silence.
void warn_unused_device(const CLI::App& cmd, const std::string& backend, int device);

}  // namespace ctm::cli
