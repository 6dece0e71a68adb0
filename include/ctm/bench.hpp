// `ctm bench`: a standard enumeration and sampling throughput suite, run on the CPU and on every
// CUDA device present, with the machine's description, so that numbers from different machines can
// be compared (docs/cli.md, "ctm bench"). Every run also checks its table against the CPU's.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ctm/table.hpp"

namespace ctm {

// One workload: an exact enumeration (whole, or one shard) or a uniform sample of whole machines.
struct BenchWorkload {
  std::string name;        // "D(5,2) T=500", ...
  Space space;
  uint32_t cutoff = 0;
  uint32_t shard_index = 0, shard_count = 1;
  uint64_t machines = 0;   // > 0: a sample of this many machines (indices [0, machines), seed 1)
  bool sampled() const { return machines > 0; }
};

// "standard": D(4,2), D(5,2), (6,2) T=1000 shard 0/128, (4,2)_2D T=500, a (4,4) T=2000 sample of 10^7
// machines (issue 10's workloads; minutes on a laptop, seconds on a GPU). "quick": small versions
// that run in about a second on one core (for a first look and for the tests). Throws on another name.
std::vector<BenchWorkload> bench_suite(const std::string& name);

// Where a workload runs: "cpu" (all `threads`, 0 = every hardware thread) or "cuda" on `device`,
// with the GPU design (EnumerateOptions::gpu_design) "walk" or "wavefront".
struct BenchTarget {
  std::string backend;  // cpu | cuda
  int device = 0;
  std::string design = "walk";
  std::string label() const;  // "cpu", "cuda:0" or "cuda-wavefront:0"
  // The wavefront design runs 1D enumerations only; the other targets run every workload.
  bool runs(const BenchWorkload& w) const;
};
// "all": the CPU and every CUDA device present in both designs; "cpu"; "cuda" (every device, both
// designs; throws without one); "cuda-wavefront" (every device, the wavefront design only).
std::vector<BenchTarget> bench_targets(const std::string& which);

struct BenchRun {
  std::string workload, target;
  int threads = 0;               // CPU threads used (cpu target)
  double wall_seconds = 0;       // the enumerate()/sample() call, measured around it
  uint64_t steps = 0;            // simulated steps (table metadata)
  uint64_t partial_machines = 0; // tree nodes (enumeration); 0 for a sample
  count_t machines = 0;          // machines covered (enumeration) or sampled
  std::string digest;            // FNV-1a 64 of the counts, H, machines and halting times (hex)
  double steps_per_second() const { return wall_seconds > 0 ? steps / wall_seconds : 0; }
  double partial_per_second() const { return wall_seconds > 0 ? partial_machines / wall_seconds : 0; }
  double machines_per_second() const { return wall_seconds > 0 ? to_double(machines) / wall_seconds : 0; }
};

// The table of one workload on one target (threads: CPU threads, 0 = all; a sample uses seed 1).
Table run_workload(const BenchWorkload& w, const BenchTarget& target, int threads);
// Runs one workload on one target, timed around run_workload().
BenchRun run_bench(const BenchWorkload& w, const BenchTarget& target, int threads);

// The exact content of a table as a short fingerprint: two backends agree when their digests do.
std::string table_digest(const Table& t);

// What a result needs to be compared with another machine's.
struct MachineInfo {
  std::string cpu_model, os, ctm_version;
  int hardware_threads = 0;
  uint64_t memory_bytes = 0;
  std::vector<std::string> gpus;  // "NVIDIA H200 (132 SMs, 139.8 GiB)", one per device
};
MachineInfo describe_machine();

// The report as JSON: {"machine": {...}, "date": ..., "runs": [...]} with each run's ratio over the
// CPU run of the same workload (when there is one) and whether their tables agree.
std::string bench_json(const MachineInfo& m, const std::vector<BenchRun>& runs);

}  // namespace ctm
