// `mpirun -np 4 ctm ...` (host/cluster/job.cpp): tables identical to one process, whatever the
// number of ranks; a rank that dies ends the job cleanly and a rerun (any N) completes the table.
// Built when CMake finds MPI; labelled `mpi`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cli_testing.hpp"
#include "ctm/table_io.hpp"
#include "table_testing.hpp"

namespace {

using ctm::test_support::CliResult;
using ctm::test_support::expect_identical;
using ctm::test_support::expect_same_outputs;

const std::string& dir() {
  static const std::string d = ctm::test_support::temp_dir("ctm-mpi-test-");
  return d;
}

CliResult ctm_run(const std::string& args) { return ctm::test_support::run_cli(args, dir()); }

// N ranks on this machine, oversubscribed (CI has 2 cores); bounded so a hang fails instead.
CliResult mpi_run(int ranks, const std::string& args, const std::string& env = "") {
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  ::setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
  return ctm::test_support::run_shell(env + " timeout 300 " + std::string(CTM_MPIEXEC) + " -np " + std::to_string(ranks) + " ",
                                      args, dir());
}

ctm::Table table(const std::string& name) { return ctm::read_table(dir() + "/" + name); }

// Identical in every count and in the work done (partial machines and steps are deterministic).
void expect_same_run(const ctm::Table& a, const ctm::Table& b) {
  expect_identical(a, b);
  EXPECT_EQ(a.meta.tree_nodes, b.meta.tree_nodes);
  EXPECT_EQ(a.meta.simulated_steps, b.meta.simulated_steps);
  EXPECT_TRUE(a.complete() && b.complete());
}

TEST(Mpi, FourRanksEnumerateTheSameTableAsOneProcess) {
  ASSERT_EQ(ctm_run("enumerate -n 4 -k 2 -q --out " + dir() + "/single42.ctm").status, 0);
  const CliResult r = mpi_run(4, "enumerate -n 4 -k 2 -q --chunks 16 --out " + dir() + "/mpi42.ctm");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_same_run(table("single42.ctm"), table("mpi42.ctm"));
}

TEST(Mpi, ThreeThreeAtT500MatchesTheShippedTable) {
  const CliResult r = mpi_run(4, "enumerate -n 3 -k 3 -T 500 -q --chunks 12 --out " + dir() + "/mpi33.ctm");
  ASSERT_EQ(r.status, 0) << r.err;
  const ctm::Table shipped = ctm::read_table(std::string(CTM_SOURCE_DIR) + "/data/d3-3.ctm");
  ASSERT_EQ(shipped.meta.cutoff, 500u);
  expect_same_outputs(table("mpi33.ctm"), shipped);
}

TEST(Mpi, TwoDimensionalSpaceTheSameAsOneProcess) {
  ASSERT_EQ(ctm_run("enumerate --dims 2 -n 3 -k 2 -T 40 -q --out " + dir() + "/single2d.ctm").status, 0);
  const CliResult r = mpi_run(4, "enumerate --dims 2 -n 3 -k 2 -T 40 -q --chunks 8 --out " + dir() + "/mpi2d.ctm");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_same_run(table("single2d.ctm"), table("mpi2d.ctm"));
}

TEST(Mpi, SampleOverRanksEqualsOneRun) {
  ASSERT_EQ(ctm_run("sample -n 4 -k 2 -m 200000 --seed 7 -q --out " + dir() + "/single-sample.ctm").status, 0);
  const CliResult r = mpi_run(4, "sample -n 4 -k 2 -m 200000 --seed 7 -q --chunks 10 --out " + dir() + "/mpi-sample.ctm");
  ASSERT_EQ(r.status, 0) << r.err;
  const ctm::Table a = table("single-sample.ctm"), b = table("mpi-sample.ctm");
  expect_identical(a, b);
  ASSERT_EQ(b.meta.sampling.ranges.size(), 1u);  // ten adjacent chunks coalesce into one range
  EXPECT_TRUE(b.meta.sampling.ranges[0] == a.meta.sampling.ranges[0]);
}

TEST(Mpi, KilledRankFailsCleanlyAndARerunCompletesTheTable) {
  const std::string ck = dir() + "/ck";
  std::filesystem::remove_all(ck);
  const std::string args = "enumerate -n 4 -k 2 -q --resume-dir " + ck + " --chunks 12 --out " + dir() + "/resumed.ctm";
  const CliResult killed = mpi_run(4, args, "CTM_TEST_EXIT_AFTER_CHUNKS=2:1");
  EXPECT_NE(killed.status, 0);
  EXPECT_NE(killed.err.find("ctm: error: rank 2: stopped by CTM_TEST_EXIT_AFTER_CHUNKS"), std::string::npos) << killed.err;
  EXPECT_FALSE(std::filesystem::exists(dir() + "/resumed.ctm"));
  size_t saved = 0;
  for (const auto& f : std::filesystem::directory_iterator(ck)) saved += f.path().extension() == ".ctm";
  EXPECT_GE(saved, 1u);  // what the ranks finished is on disk
  const CliResult rerun = mpi_run(2, args);  // another number of ranks finishes it
  ASSERT_EQ(rerun.status, 0) << rerun.err;
  ASSERT_EQ(ctm_run("enumerate -n 4 -k 2 -q --out " + dir() + "/whole42.ctm").status, 0);
  expect_same_run(table("whole42.ctm"), table("resumed.ctm"));
}

TEST(Mpi, BdmOverManyFilesKeepsInputOrder) {
  // Files of different sizes (ranks take contiguous slices of about equal bytes) and one bad input.
  std::vector<std::string> files;
  uint64_t state = 12345;
  for (int f = 0; f < 7; ++f) {
    files.push_back(dir() + "/in" + std::to_string(f) + ".txt");
    std::ofstream out(files.back());
    for (int line = 0; line < 20 + 40 * f; ++line) {
      std::string s;
      for (int i = 0; i < 12 + (line * 7 + f) % 90; ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        s += static_cast<char>('0' + (state >> 63));
      }
      out << s << "\n";
    }
  }
  files.insert(files.begin() + 2, dir() + "/short.txt");
  std::ofstream(dir() + "/short.txt") << "0101\n";
  std::string args = "bdm";
  for (const auto& f : files) args += " " + f;
  const CliResult one = ctm_run(args);
  const CliResult many = mpi_run(4, args);
  EXPECT_EQ(one.status, 1);  // the short input is reported, the rest scored
  EXPECT_NE(many.status, 0);
  EXPECT_GT(one.out.size(), 1000u);
  EXPECT_EQ(many.out, one.out);
}

TEST(Mpi, BadInputIsOneLineFromRankZero) {
  const CliResult r = mpi_run(4, "enumerate -n 99 -k 2 -q --out " + dir() + "/x.ctm");
  EXPECT_EQ(r.status, 2);
  size_t lines = 0;
  for (size_t at = r.err.find("ctm: error:"); at != std::string::npos; at = r.err.find("ctm: error:", at + 1)) ++lines;
  EXPECT_EQ(lines, 1u) << r.err;
}

}  // namespace
