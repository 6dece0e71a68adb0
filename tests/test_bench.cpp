// `ctm bench` (include/ctm/bench.hpp, host/cli/bench_cli.cpp): its figures are the tables' own
// (steps, partial machines, machines), its fingerprint tells equal tables from unequal ones, the
// JSON carries the ratio and the table check, and bad options give one error line. Speed itself is
// measured in docs/benchmarks.md, never asserted here.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli_testing.hpp"
#include "ctm/bench.hpp"
#include "ctm/enumerate.hpp"
#include "ctm/sample.hpp"

namespace ctm {
namespace {

using test_support::run_cli;
using test_support::temp_dir;

// The same workload computed directly, on the CPU with `threads` threads.
Table direct(const BenchWorkload& w, int threads) { return run_workload(w, {"cpu", 0}, threads); }

TEST(Bench, SuitesHoldTheIssueWorkloads) {
  std::vector<std::string> names;
  for (const BenchWorkload& w : bench_suite("standard")) names.push_back(w.name);
  EXPECT_EQ(names, (std::vector<std::string>{"D(4,2) T=107", "D(5,2) T=500", "D(6,2) T=1000 shard 0/128",
                                             "(4,2)_2D T=500", "sample (4,4) T=2000 1e+07"}));
  EXPECT_EQ(bench_suite("quick").size(), 4u);
  EXPECT_THROW(bench_suite("huge"), Error);
  EXPECT_THROW(bench_targets("gpu"), Error);
  EXPECT_EQ(bench_targets("cpu").size(), 1u);
  if (!cuda_available()) {
    EXPECT_THROW(bench_targets("cuda"), Error);
    EXPECT_THROW(bench_targets("cuda-wavefront"), Error);
    EXPECT_EQ(bench_targets("all").size(), 1u);
  }
  // The wavefront design: its own label, and 1D enumerations only (D(5,2) yes; 2D and samples no).
  const BenchTarget wavefront{"cuda", 1, "wavefront"};
  EXPECT_EQ(wavefront.label(), "cuda-wavefront:1");
  EXPECT_EQ((BenchTarget{"cuda", 0}).label(), "cuda:0");
  const std::vector<BenchWorkload> standard = bench_suite("standard");
  EXPECT_TRUE(wavefront.runs(standard[1]));
  EXPECT_FALSE(wavefront.runs(standard[3]));
  EXPECT_FALSE(wavefront.runs(standard[4]));
  EXPECT_TRUE((BenchTarget{"cuda", 0}).runs(standard[3]));
}

// Every quick workload on the CPU: the run reports the table's own figures, and its fingerprint is
// that of the same table computed directly with another thread count.
TEST(Bench, RunsReportTheTablesFigures) {
  for (const BenchWorkload& w : bench_suite("quick")) {
    SCOPED_TRACE(w.name);
    const BenchRun r = run_bench(w, {"cpu", 0}, 2);
    const Table t = direct(w, 1);
    EXPECT_EQ(r.workload, w.name);
    EXPECT_EQ(r.target, "cpu");
    EXPECT_EQ(r.threads, 2);
    EXPECT_EQ(r.steps, t.meta.simulated_steps);
    EXPECT_GT(r.steps, 0u);
    EXPECT_EQ(r.digest, table_digest(t));
    if (w.sampled()) {
      EXPECT_EQ(r.machines, static_cast<count_t>(w.machines));
      EXPECT_EQ(r.partial_machines, 0u);
    } else {
      EXPECT_EQ(r.machines, t.machines);
      EXPECT_EQ(r.machines, w.space.machine_count());
      EXPECT_EQ(r.partial_machines, t.meta.tree_nodes);
    }
  }
}

TEST(Bench, DigestSeesEveryChange) {
  const Table t = direct(bench_suite("quick")[0], 2);
  const std::string d = table_digest(t);
  EXPECT_EQ(d.size(), 16u);
  Table u = t;
  u.meta.wall_seconds += 1;  // metadata is not content
  u.meta.backend = "cuda";
  EXPECT_EQ(table_digest(u), d);
  u = t;
  u.counts.begin()->second += 1;
  EXPECT_NE(table_digest(u), d);
  u = t;
  auto node = u.counts.extract(u.counts.begin());
  node.key() += "0";
  u.counts.insert(std::move(node));
  EXPECT_NE(table_digest(u), d);
  u = t;
  u.halt_time[1] += 1;
  EXPECT_NE(table_digest(u), d);
}

TEST(Bench, JsonHasTheRatioAndTheTableCheck) {
  BenchRun cpu{"D(4,2) T=107", "cpu", 16, 2.0, 1000, 10, 100, "aaaa"};
  BenchRun gpu{"D(4,2) T=107", "cuda:0", 16, 0.5, 1000, 10, 100, "aaaa"};
  BenchRun bad{"D(4,2) T=107", "cuda:1", 16, 0.25, 1000, 10, 100, "bbbb"};
  MachineInfo m;
  m.cpu_model = "test CPU";
  m.gpus = {"gpu a", "gpu b"};
  const auto j = nlohmann::json::parse(bench_json(m, {cpu, gpu, bad}));
  EXPECT_EQ(j["machine"]["cpu"], "test CPU");
  EXPECT_EQ(j["machine"]["gpus"].size(), 2u);
  ASSERT_EQ(j["runs"].size(), 3u);
  EXPECT_FALSE(j["runs"][0].contains("speedup_over_cpu"));
  EXPECT_DOUBLE_EQ(j["runs"][1]["speedup_over_cpu"].get<double>(), 4.0);
  EXPECT_TRUE(j["runs"][1]["same_table_as_cpu"].get<bool>());
  EXPECT_DOUBLE_EQ(j["runs"][2]["speedup_over_cpu"].get<double>(), 8.0);
  EXPECT_FALSE(j["runs"][2]["same_table_as_cpu"].get<bool>());
  EXPECT_DOUBLE_EQ(j["runs"][1]["steps_per_second"].get<double>(), 2000.0);
  EXPECT_EQ(j["runs"][1]["machines"], "100");
}

TEST(BenchCli, WritesTheTableAndJson) {
  const std::string dir = temp_dir("ctm-bench-");
  const std::string json = dir + "/bench.json";
  const auto r = run_cli("bench --suite quick --backend cpu --threads 2 --only 'D(4,2)' --json " + json, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("machine: "), std::string::npos);
  EXPECT_NE(r.out.find("D(4,2) T=107"), std::string::npos);
  EXPECT_EQ(r.out.find("D(2,3)"), std::string::npos);
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["steps"].get<uint64_t>(), direct(bench_suite("quick")[0], 2).meta.simulated_steps);
}

TEST(BenchCli, BadOptionsGiveOneLine) {
  const std::string dir = temp_dir("ctm-bench-bad-");
  for (const std::string args : {"bench --suite huge", "bench --backend gpu", "bench --suite quick --only nothing",
                                 "bench --threads -1", "bench --suite quick --json /nonexistent-dir/x.json"}) {
    SCOPED_TRACE(args);
    const auto r = run_cli(args, dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err.rfind("ctm: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  if (!cuda_available()) {
    const auto r = run_cli("bench --suite quick --backend cuda", dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("no CUDA"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace ctm
