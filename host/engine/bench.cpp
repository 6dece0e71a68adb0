// `ctm bench`'s library side (include/ctm/bench.hpp): the suites, one timed run per workload and
// target, the table fingerprint that checks a device against the CPU, the machine record and JSON.
#include "ctm/bench.hpp"

#include <sys/utsname.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "ctm/enumerate.hpp"
#include "ctm/sample.hpp"
#include "ctm/version.hpp"
#include "cuda_probe.hpp"
#include "parallel.hpp"
#ifdef CTM_WITH_CUDA
#include "cuda_backend.hpp"
#include "cuda_devices.hpp"
#endif

namespace ctm {
namespace {

BenchWorkload enumeration(Space s, uint32_t cutoff, uint32_t shard_index = 0, uint32_t shard_count = 1) {
  BenchWorkload w;
  w.space = s;
  w.cutoff = cutoff;
  w.shard_index = shard_index;
  w.shard_count = shard_count;
  w.name = (s.dims == 2 ? s.name() : "D" + s.name()) + " T=" + std::to_string(cutoff);
  if (shard_count > 1) w.name += " shard " + std::to_string(shard_index) + "/" + std::to_string(shard_count);
  return w;
}

BenchWorkload sampling(Space s, uint32_t cutoff, uint64_t machines) {
  BenchWorkload w;
  w.space = s;
  w.cutoff = cutoff;
  w.machines = machines;
  char count[32];
  std::snprintf(count, sizeof count, "%.0e", static_cast<double>(machines));
  w.name = "sample " + s.name() + " T=" + std::to_string(cutoff) + " " + count;
  return w;
}

int gpu_count() {
#ifdef CTM_WITH_CUDA
  return detail::cuda_device_count();
#else
  return 0;
#endif
}

std::string first_line_value(const char* path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size(), key) == 0) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const size_t start = line.find_first_not_of(" \t", colon + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  return "";
}

}  // namespace

std::vector<BenchWorkload> bench_suite(const std::string& name) {
  if (name == "standard")
    return {enumeration({4, 2, 1}, 107), enumeration({5, 2, 1}, 500), enumeration({6, 2, 1}, 1000, 0, 128),
            enumeration({4, 2, 2}, 500), sampling({4, 4, 1}, 2000, 10'000'000)};
  if (name == "quick")
    return {enumeration({4, 2, 1}, 107), enumeration({2, 3, 1}, 500), enumeration({3, 2, 2}, 500),
            sampling({4, 4, 1}, 2000, 20'000)};
  throw Error("unknown bench suite '" + name + "' (expected standard or quick)");
}

std::string BenchTarget::label() const {
  if (backend == "cpu") return "cpu";
  return (design == "wavefront" ? backend + "-wavefront" : backend) + ":" + std::to_string(device);
}

bool BenchTarget::runs(const BenchWorkload& w) const { return design != "wavefront" || (!w.sampled() && w.space.dims == 1); }

std::vector<BenchTarget> bench_targets(const std::string& which) {
  if (which != "all" && which != "cpu" && which != "cuda" && which != "cuda-wavefront")
    throw Error("unknown bench backend '" + which + "' (expected all, cpu, cuda or cuda-wavefront)");
  std::vector<BenchTarget> out;
  if (which == "all" || which == "cpu") out.push_back({"cpu", 0});
  if (which != "cpu")
    for (int d = 0; d < gpu_count(); ++d) {
      if (which != "cuda-wavefront") out.push_back({"cuda", d, "walk"});
      out.push_back({"cuda", d, "wavefront"});
    }
  if (which != "all" && which != "cpu" && out.empty()) throw Error(detail::no_cuda_device_message());
  return out;
}

std::string table_digest(const Table& t) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto bytes = [&](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 0x100000001b3ull;
  };
  auto count = [&](count_t c) {
    for (int i = 0; i < 16; ++i) {
      const uint8_t b = static_cast<uint8_t>(c >> (8 * i));
      bytes(&b, 1);
    }
  };
  for (const auto& [key, c] : t.counts) {
    bytes(key.data(), key.size() + 1);  // with the terminating NUL: keys cannot run into each other
    count(c);
  }
  count(t.halting);
  count(t.machines);
  for (count_t c : t.halt_time) count(c);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Table run_workload(const BenchWorkload& w, const BenchTarget& target, int threads) {
  if (w.sampled()) {
    SampleOptions o;
    o.space = w.space;
    o.cutoff = w.cutoff;
    o.seed = 1;
    o.machines = w.machines;
    o.threads = threads;
    o.backend = target.backend;
    o.device = target.device;
    return sample(o);
  }
  EnumerateOptions o;
  o.space = w.space;
  o.cutoff = w.cutoff;
  o.shard_index = w.shard_index;
  o.shard_count = w.shard_count;
  o.threads = threads;
  o.backend = target.backend;
  o.device = target.device;
  o.gpu_design = target.design;
  return enumerate(o);
}

BenchRun run_bench(const BenchWorkload& w, const BenchTarget& target, int threads) {
  BenchRun r;
  r.workload = w.name;
  r.target = target.label();
  r.threads = detail::thread_count(threads);
  const auto start = std::chrono::steady_clock::now();
  const Table t = run_workload(w, target, r.threads);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.steps = t.meta.simulated_steps;
  r.partial_machines = w.sampled() ? 0 : t.meta.tree_nodes;
  r.machines = w.sampled() ? static_cast<count_t>(w.machines) : t.machines;
  r.digest = table_digest(t);
  return r;
}

MachineInfo describe_machine() {
  MachineInfo m;
  m.ctm_version = kVersion;
  m.cpu_model = first_line_value("/proc/cpuinfo", "model name");
  m.hardware_threads = static_cast<int>(std::thread::hardware_concurrency());
  const std::string mem = first_line_value("/proc/meminfo", "MemTotal");  // "24576000 kB"
  if (!mem.empty()) m.memory_bytes = std::strtoull(mem.c_str(), nullptr, 10) * 1024ull;
  utsname u{};
  if (uname(&u) == 0) m.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
#ifdef CTM_WITH_CUDA
  for (int d = 0; d < gpu_count(); ++d) m.gpus.push_back(detail::cuda_device_description(d));
#endif
  return m;
}

std::string bench_json(const MachineInfo& m, const std::vector<BenchRun>& runs) {
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  nlohmann::json j = {{"date", date},
                      {"machine",
                       {{"cpu", m.cpu_model},
                        {"hardware_threads", m.hardware_threads},
                        {"memory_bytes", m.memory_bytes},
                        {"os", m.os},
                        {"gpus", m.gpus},
                        {"ctm_version", m.ctm_version}}},
                      {"runs", nlohmann::json::array()}};
  for (const BenchRun& r : runs) {
    nlohmann::json x = {{"workload", r.workload},
                        {"target", r.target},
                        {"threads", r.threads},
                        {"wall_seconds", r.wall_seconds},
                        {"steps", r.steps},
                        {"partial_machines", r.partial_machines},
                        {"machines", to_string(r.machines)},
                        {"steps_per_second", r.steps_per_second()},
                        {"partial_machines_per_second", r.partial_per_second()},
                        {"machines_per_second", r.machines_per_second()},
                        {"table_digest", r.digest}};
    for (const BenchRun& c : runs)
      if (c.workload == r.workload && c.target == "cpu" && r.target != "cpu") {
        x["speedup_over_cpu"] = r.wall_seconds > 0 ? c.wall_seconds / r.wall_seconds : 0.0;
        x["same_table_as_cpu"] = c.digest == r.digest;
      }
    j["runs"].push_back(x);
  }
  return j.dump(2) + "\n";
}

}  // namespace ctm
