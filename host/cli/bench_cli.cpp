// `ctm bench`: the throughput suite (include/ctm/bench.hpp) on the CPU and every CUDA device, one
// table on stdout (a row as each run ends) and optionally the JSON record with the machine.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "ctm/bench.hpp"
#include "ctm/output_file.hpp"

namespace ctm::cli {
namespace {

struct Args {
  std::string suite = "standard", backend = "all", json_path;
  std::vector<std::string> only;
  int threads = 0;
};

void print_row(const BenchRun& r, const BenchRun* cpu) {
  char ratio[32] = "-";
  if (cpu && r.wall_seconds > 0) std::snprintf(ratio, sizeof ratio, "%.2fx", cpu->wall_seconds / r.wall_seconds);
  const std::string same = cpu ? (cpu->digest == r.digest ? "same" : "DIFFERS") : r.digest.substr(0, 8);
  char wall[32];
  std::snprintf(wall, sizeof wall, "%.3f", r.wall_seconds);
  std::printf("%-30s %-16s %9s %10s %10s %10s %8s  %s\n", r.workload.c_str(), r.target.c_str(), wall,
              human(r.steps_per_second()).c_str(), r.partial_machines ? human(r.partial_per_second()).c_str() : "-",
              human(r.machines_per_second()).c_str(), ratio, same.c_str());
  std::fflush(stdout);
}

int run(const Args& a) {
  if (a.threads < 0) throw Error("--threads must be >= 0");
  std::vector<BenchWorkload> suite;
  for (const BenchWorkload& w : bench_suite(a.suite)) {
    bool keep = a.only.empty();
    for (const std::string& s : a.only) keep = keep || w.name.find(s) != std::string::npos;
    if (keep) suite.push_back(w);
  }
  if (suite.empty()) throw Error("--only matches no workload of the '" + a.suite + "' suite");
  const std::vector<BenchTarget> targets = bench_targets(a.backend);
  if (!a.json_path.empty()) check_output_path(a.json_path, "bench JSON");

  const MachineInfo m = describe_machine();
  std::printf("machine: %s, %d hardware threads, %.1f GiB, %s\n", m.cpu_model.empty() ? "unknown CPU" : m.cpu_model.c_str(),
              m.hardware_threads, static_cast<double>(m.memory_bytes) / (1024.0 * 1024.0 * 1024.0), m.os.c_str());
  for (size_t d = 0; d < m.gpus.size(); ++d) std::printf("gpu %zu:   %s\n", d, m.gpus[d].c_str());
  std::printf("%-30s %-16s %9s %10s %10s %10s %8s  %s\n", "workload", "target", "wall s", "steps/s", "partial/s",
              "machines/s", "vs cpu", "table");
  std::vector<BenchRun> runs;
  bool differs = false;
  for (const BenchWorkload& w : suite) {
    const size_t first = runs.size();
    for (const BenchTarget& t : targets) {
      if (!t.runs(w)) continue;
      runs.push_back(run_bench(w, t, a.threads));
      const BenchRun* cpu = (t.backend != "cpu" && runs[first].target == "cpu") ? &runs[first] : nullptr;
      differs = differs || (cpu && cpu->digest != runs.back().digest);
      print_row(runs.back(), cpu);
    }
  }
  if (!a.json_path.empty()) write_output_file(a.json_path, bench_json(m, runs), "bench JSON");
  if (differs) throw Error("a device table differs from the CPU table (see the 'table' column)");
  return 0;
}

}  // namespace

Command add_bench(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* b = app.add_subcommand("bench", "Measure enumeration and sampling throughput on the CPU and every GPU");
  b->add_option("--suite", a->suite, "standard (issue-sized workloads, minutes on a laptop) or quick (about a second)");
  b->add_option("--backend", a->backend, "all (the CPU and every CUDA device in both GPU designs), cpu, cuda or cuda-wavefront");
  b->add_option("--threads,-j", a->threads, "CPU threads (0 = all)");
  b->add_option("--only", a->only, "Run only the workloads whose name contains this text (repeatable)");
  b->add_option("--json", a->json_path, "Also write the results and the machine description as JSON");
  return {b, [a] { return run(*a); }};
}

}  // namespace ctm::cli
