// The `ctm` command line: registers every subcommand (one file each, commands.hpp; bdm/perturb in
// bdm_cli, collapse in collapse_cli), runs the one given, and turns errors into one line on stderr
// with exit status 2. Standard output is checked here once, for every subcommand.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <vector>

#include "bdm_cli.hpp"
#include "cluster/job.hpp"
#include "cli_options.hpp"
#include "collapse_cli.hpp"
#include "commands.hpp"
#include "ctm/version.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"ctm: exact Coding Theorem Method tables (output frequencies of small Turing machines)"};
  app.set_version_flag("--version", std::string("ctm ") + ctm::kVersion);
  app.require_subcommand(1);
  using namespace ctm::cli;
  const std::vector<Command> commands = {add_enumerate(app), add_info(app),     add_export(app), add_blocks2d(app),
                                         add_lookup(app),    add_machines(app), add_sample(app), add_merge(app),
                                         add_bench(app)};
  BdmCommands bdm_commands(app);  // bdm, perturb (host/cli/bdm_cli.cpp)
  add_collapse_subcommand(app);   // runs from its CLI11 callback
  reject_negative_unsigned(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ctm: error: " << e.what() << " (see ctm --help)\n";
    return 2;
  }
  if (bdm_commands.parsed()) return bdm_commands.run();
  for (const Command& c : commands)
    if (c.sub->parsed()) return c.run();
  return 0;
}

// A full disk or a closed pipe must not pass for a complete result (std::cout shares C stdio's
// buffer, so one fflush covers both).
int check_stdout(int status) {
  std::cout.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (flushed && std::cout && !std::ferror(stdout)) return status;
  // errno is that of the last flush; an earlier failed write leaves only the stream's error flag.
  const int err = flushed ? 0 : errno;
  std::fprintf(stderr, "ctm: error: writing standard output failed: %s\n",
               err ? std::strerror(err) : "output incomplete (disk full, device error or closed output)");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ctm::cluster::Session mpi(argc, argv);  // MPI when an MPI launcher started us (docs/cluster.md)
  int status = 2;
  try {
    if (ctm::cluster::launched_without_mpi())
      throw ctm::Error("started by an MPI launcher with several ranks, but this ctm was built without MPI "
                       "(rebuild with -DCTM_WITH_MPI=ON; docs/cluster.md)");
    status = run(argc, argv);
  } catch (const std::exception& e) {  // ctm::Error and everything else: one line
    // Every rank parses the same command and meets the same errors: rank 0 alone reports them.
    if (ctm::cluster::world().root()) std::cerr << "ctm: error: " << e.what() << "\n";
    status = 2;
  }
  return check_stdout(status);
}
