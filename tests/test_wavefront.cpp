// The wavefront enumeration (kernels/core/wavefront.hpp, host/engine/wavefront.cpp) against the CPU
// walk: equal tables count for count on whole spaces and shards, with the CPU emulation and with the
// device executor on the emulated device (the CUDA kernels' bodies, wavefront_driver.hpp's launches,
// drains and retries), and the lane-utilisation figures on constructed lanes. DISABLED_Measure prints the docs/gpu.md numbers (CTM_WAVEFRONT_MEASURE=n,k,T).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/wavefront.hpp"
#include "ctm/enumerate.hpp"
#include "engine/wavefront.hpp"
#include "host_device_ops.hpp"
#include "table_testing.hpp"
#include "wavefront_driver.hpp"

using namespace ctm;
using namespace ctm::detail;
using ctm::test_support::enumerate_table;
using ctm::test_support::expect_same_outputs;
using ctm::test_support::TableRequest;

namespace {

struct WaveCase {
  int n, k;
  uint32_t cutoff;
  uint32_t shard = 0, shards = 1;
  uint32_t launch_nodes = 1u << 17;
};

// Where the levels below the shard depth run: the CPU emulation, or the device executor
// (kernels/wavefront_driver.hpp) on the emulated device whose "kernels" are the CUDA kernels' bodies.
enum class Exec { kEmulation, kEmulatedDevice };
const Exec kExecs[] = {Exec::kEmulation, Exec::kEmulatedDevice};

// What the emulated device did, for the "the path ran" checks.
struct DeviceRecord {
  int attempts = 0, level_launches = 0, hash_drains = 0;
  uint64_t arena_drains = 0;
};

WaveDeviceRunner emulated_device(const DeviceWalkOptions& w, DeviceRecord* rec) {
  return [w, rec](const WaveDeviceConfig& cfg, const std::function<void(WaveExecutor&)>& levels) {
    HostWaveOps ops;
    DeviceLeaves leaves = drive_device_wavefront(ops, cfg, w, levels);
    if (rec) *rec = DeviceRecord{leaves.attempts, ops.level_launches, ops.hash_drains, leaves.arena_drains};
    return leaves;
  };
}

WavefrontResult wavefront(const WaveCase& c, Exec exec = Exec::kEmulation, bool cycle = true, uint32_t ngram_after = kNgramAfterDefault,
                          DeviceRecord* rec = nullptr, const DeviceWalkOptions& w = DeviceWalkOptions{}) {
  WavefrontOptions o;
  o.space = Space{c.n, c.k, 1};
  o.cutoff = c.cutoff;
  o.shard_index = c.shard;
  o.shard_count = c.shards;
  o.launch_nodes = c.launch_nodes;
  o.cycle_proof = cycle;
  o.ngram_after = ngram_after;
  o.budgets = {32, 64};
  if (exec == Exec::kEmulatedDevice) o.device = emulated_device(w, rec);
  return enumerate_wavefront(o);
}

void expect_equal_to_cpu(const WaveCase& c, Exec exec = Exec::kEmulation) {
  SCOPED_TRACE("(" + std::to_string(c.n) + "," + std::to_string(c.k) + ") T=" + std::to_string(c.cutoff) +
               " shard " + std::to_string(c.shard) + "/" + std::to_string(c.shards) +
               (exec == Exec::kEmulation ? " emulation" : " emulated device"));
  TableRequest r;
  r.space = Space{c.n, c.k, 1};
  r.cutoff = c.cutoff;
  r.threads = 1;
  r.shard = c.shard;
  r.shards = c.shards;
  const Table cpu = enumerate_table(r);
  DeviceRecord rec;
  const WavefrontResult w = wavefront(c, exec, true, kNgramAfterDefault, &rec);
  ASSERT_GT(cpu.counts.size(), 0u);
  // Every count, the proved / cut-off split included: run_node runs the CPU walk's proofs on the
  // same schedule, so the nodes resumed from their parent's step take exactly the CPU's steps.
  ctm::test_support::expect_same_walk(w.table, cpu);
  EXPECT_EQ(w.table.meta.work_items_total, cpu.meta.work_items_total);
  if (exec == Exec::kEmulatedDevice) {
    EXPECT_EQ(rec.attempts, 1);
    // The levels below the shard depth ran on the device executor ((2,2) has none: its shard depth
    // 3 is its last level with a free entry).
    if (c.n * c.k > 4) EXPECT_GT(rec.level_launches, 0);
    return;
  }
  if (c.shards == 1) EXPECT_EQ(w.report.steps_resumed, cpu.meta.simulated_steps);
  EXPECT_GE(w.report.steps_from_blank, w.report.steps_resumed);
}

TEST(Wavefront, WholeSpacesEqualTheCpuWalk) {
  for (Exec e : kExecs) {
    expect_equal_to_cpu({2, 2, 6}, e);
    expect_equal_to_cpu({3, 2, 21}, e);
    expect_equal_to_cpu({4, 2, 107}, e);
    expect_equal_to_cpu({2, 3, 500}, e);
    expect_equal_to_cpu({2, 4, 500}, e);
  }
}

TEST(Wavefront, ShardsEqualTheCpuShards) {
  for (Exec e : kExecs) {
    for (uint32_t s = 0; s < 3; ++s) expect_equal_to_cpu({4, 2, 107, s, 3}, e);
    expect_equal_to_cpu({2, 4, 500, 5, 7}, e);
    // Small launches cut every level into many pieces: the order of a level (which defines the
    // shards) must not change.
    expect_equal_to_cpu({3, 2, 21, 1, 4, 5}, e);
    expect_equal_to_cpu({4, 2, 107, 2, 3, 31}, e);
  }
}

TEST(Wavefront, EmulatedDeviceRetriesAndDrains) {
  // A 1024-slot hash and a 256-byte arena: the first attempt overflows and is redone larger, and
  // (3,3)'s outputs of more than 29 cells (18 in this shard) go through the arena; small launches
  // make many drains.
  TableRequest r;
  r.space = Space{3, 3, 1};
  r.cutoff = 300;
  r.threads = 1;
  r.shard = 1;
  r.shards = 7;
  const Table cpu = enumerate_table(r);
  DeviceWalkOptions w = emulation_walk_options(1024, 256, 0);
  DeviceRecord rec;
  const WavefrontResult res = wavefront({3, 3, 300, 1, 7, 2000}, Exec::kEmulatedDevice, true, kNgramAfterDefault, &rec, w);
  ctm::test_support::expect_identical(res.table, cpu);
  EXPECT_EQ(res.table.meta.simulated_steps, cpu.meta.simulated_steps);
  EXPECT_EQ(res.table.meta.tree_nodes, cpu.meta.tree_nodes);
  EXPECT_GT(rec.attempts, 1);
  EXPECT_GT(rec.hash_drains, 1);
  EXPECT_GT(rec.arena_drains, 0u);
  // Too few attempts for the tiny buffers: one clear error, never a wrong table.
  w.attempts = 1;
  EXPECT_THROW(wavefront({3, 3, 300, 1, 7, 2000}, Exec::kEmulatedDevice, true, kNgramAfterDefault, nullptr, w), Error);
}

TEST(Wavefront, ProgressAndCancelOnBothExecutors) {
  for (Exec e : kExecs) {
    SCOPED_TRACE(e == Exec::kEmulation ? "emulation" : "emulated device");
    WavefrontOptions o;
    o.space = Space{4, 2, 1};
    o.cutoff = 107;
    o.launch_nodes = 1000;
    o.progress_interval = 0;
    if (e == Exec::kEmulatedDevice) o.device = emulated_device(DeviceWalkOptions{}, nullptr);
    std::vector<Progress> seen;
    o.progress = [&](const Progress& p) {
      seen.push_back(p);
      return true;
    };
    const Table t = enumerate_wavefront(o).table;
    ASSERT_GT(seen.size(), 2u);
    for (size_t i = 1; i < seen.size(); ++i) {
      EXPECT_GE(seen[i].tree_nodes, seen[i - 1].tree_nodes);
      EXPECT_GE(seen[i].machines_covered, seen[i - 1].machines_covered);
    }
    // After the last launch the figures are the table's: its tree nodes and its machines.
    EXPECT_EQ(seen.back().tree_nodes, t.meta.tree_nodes);
    EXPECT_EQ(to_string(seen.back().machines_covered), to_string(t.machines));
    // Returning false cancels at the next launch.
    int calls = 0;
    o.progress = [&](const Progress&) { return ++calls < 3; };
    EXPECT_THROW(enumerate_wavefront(o), Cancelled);
    EXPECT_EQ(calls, 3);
  }
}

TEST(Wavefront, HaltingCountsDoNotDependOnTheProofs) {
  // Without the cycle and n-gram proofs more runs reach the cutoff; no halting count may change.
  const WavefrontResult all = wavefront({4, 2, 107}), cheap = wavefront({4, 2, 107}, Exec::kEmulation, false, 0);
  expect_same_outputs(cheap.table, all.table);
  EXPECT_GT(cheap.table.nonhalting_cutoff, all.table.nonhalting_cutoff);
  EXPECT_GT(cheap.report.steps_from_blank, all.report.steps_from_blank);
}

TEST(Wavefront, UtilisationOfConstructedLanes) {
  // Equal runs keep every lane busy: exactly 1, whatever the group count.
  const std::vector<uint32_t> equal(96, 37);
  EXPECT_EQ(lane_utilisation(equal).useful, 96u * 37u);
  EXPECT_EQ(lane_utilisation(equal).issued, 96u * 37u);
  EXPECT_EQ(lane_utilisation(equal).value(), 1.0);
  EXPECT_EQ(budgeted_utilisation(equal, 10).value(), 1.0);  // 37 = 10+10+10+7 in every lane
  // One long lane among 31 short ones, then a partial group of 2 lanes.
  std::vector<uint32_t> lanes(32, 1);
  lanes[5] = 100;
  lanes.push_back(4);
  lanes.push_back(2);
  const LaneUtilisation u = lane_utilisation(lanes);
  EXPECT_EQ(u.useful, 131u + 6u);
  EXPECT_EQ(u.issued, 32u * 100u + 32u * 4u);
  // A budget of 10 runs the long lane alone for 9 more rounds of 10 steps.
  const LaneUtilisation b = budgeted_utilisation(lanes, 10);
  EXPECT_EQ(b.useful, u.useful);
  EXPECT_EQ(b.issued, 32u * 10u + 32u * 4u + 9u * 32u * 10u);
  // Restarting from the blank tape: rounds of 10 and 40 steps, the long lane alone from round 2
  // (10 + 40 steps wasted), its whole run of 100 in round 3.
  const LaneUtilisation rs = restart_utilisation(lanes, 10);
  EXPECT_EQ(rs.useful, u.useful);
  EXPECT_EQ(rs.issued, 32u * 10u + 32u * 4u + 32u * 40u + 32u * 100u);
  EXPECT_EQ(restart_utilisation(equal, 37).value(), 1.0);
  // Refilling lanes: 32 lanes share the 34 runs; lane 5 runs 100 steps while the others take the
  // remaining short runs, so the warp is issued 100 steps for 137 useful lane-steps.
  const LaneUtilisation rf = refill_utilisation(lanes, 32);
  EXPECT_EQ(rf.useful, u.useful);
  EXPECT_EQ(rf.issued, 32u * 100u);
  EXPECT_EQ(refill_utilisation(equal, 32).value(), 1.0);  // 3 runs of 37 per lane
  EXPECT_THROW(refill_utilisation(equal, 40), Error);
}

TEST(Wavefront, ReportAddsUp) {
  const WavefrontResult w = wavefront({3, 2, 21, 0, 1, 64});
  uint64_t nodes = 0, steps = 0;
  LaneUtilisation in_order;
  for (const WavefrontLaunch& l : w.report.launches) {
    nodes += l.nodes;
    steps += l.steps;
    in_order.add(l.in_order);
    for (double v : {l.in_order.value(), l.sorted.value()}) {
      EXPECT_GT(v, 0.0);
      EXPECT_LE(v, 1.0);
    }
    EXPECT_LE(l.nodes, 64u);
  }
  EXPECT_EQ(nodes, w.report.nodes);
  EXPECT_EQ(steps, w.report.steps_from_blank);
  EXPECT_EQ(in_order.useful, steps);
  EXPECT_EQ(in_order.issued, w.report.in_order.issued);
  ASSERT_EQ(w.report.budgeted.size(), 2u);
  EXPECT_EQ(w.report.budgeted[0].useful, steps);
  EXPECT_GT(w.report.items, 0u);
  EXPECT_LE(w.report.per_item.value(), 1.0);
}

TEST(Wavefront, NodeRunsAsTheEngine) {
  // The (2,2) busy beaver with its last entry undefined: it reads that entry at step 6 (then halts).
  WaveNode w = root_node(2, 2);
  w.root = 0;
  const Transition bb[3] = {{1, kRight, 1, 0}, {1, kLeft, 1, 0}, {1, kLeft, 0, 0}};  // A0 A1 B0; B1 undefined
  for (int e = 0; e < 3; ++e) { w.entry[e] = pack_transition(bb[e]); w.defined |= 1u << e; }
  w.defined_count = 3;
  w.used_states = 2;
  WaveTape<32> tape;
  WaveScratch<32> snap;
  const NodeRun r = run_node(w, 107, WaveProofs{}, tape, &snap);
  EXPECT_EQ(r.stop, static_cast<uint8_t>(StopReason::kUndefined));
  EXPECT_EQ(r.steps, 5u);
  EXPECT_EQ(r.entry, 3);
  EXPECT_EQ(r.hi - r.lo + 1, 4);  // halting there writes 1 on 1111: four ones
  EXPECT_EQ(wave_output_key(tape, r, 1, 2), pack_output(reinterpret_cast<const uint8_t*>("\1\1\1\1"), 4, 0, 1, 1));
  // Defined as B1 -> 1 R A instead, the run from the blank tape is a cycle the proofs settle.
  WaveNode looping = make_child(w, 3, /*write 1, move R, next A*/ 2 * 2 + 1 * 2 + 0, r.steps);
  EXPECT_EQ(looping.entry[3], pack_transition(Transition{1, kRight, 0, 0}));
  EXPECT_EQ(looping.mult, 1u);
  const NodeRun l = run_node(looping, 107, WaveProofs{}, tape, &snap);
  EXPECT_EQ(l.stop, static_cast<uint8_t>(StopReason::kProvedNonHalt));
}

TEST(Wavefront, BadOptionsAreErrors) {
  WavefrontOptions o;
  o.space = Space{2, 2, 2};
  EXPECT_THROW(enumerate_wavefront(o), Error);
  o.space = Space{2, 4, 1};
  o.cutoff = 5000;  // 10003 cells of 2 bits: more than the largest on-chip tape
  EXPECT_THROW(enumerate_wavefront(o), Error);
  o.cutoff = 0;  // (2,4) has no standard cutoff
  EXPECT_THROW(enumerate_wavefront(o), Error);
  o.cutoff = 10;
  o.shard_index = 3;
  o.shard_count = 3;
  EXPECT_THROW(enumerate_wavefront(o), Error);
}

// The measurement of docs/gpu.md: CTM_WAVEFRONT_MEASURE=5,2,500 ./ctm_tests
// --gtest_also_run_disabled_tests --gtest_filter=Wavefront.DISABLED_Measure
TEST(Wavefront, DISABLED_Measure) {
  int n = 4, k = 2;
  unsigned cutoff = 500;
  if (const char* e = std::getenv("CTM_WAVEFRONT_MEASURE")) std::sscanf(e, "%d,%d,%u", &n, &k, &cutoff);
  auto now = [] { return std::chrono::steady_clock::now(); };
  const auto t0 = now();
  TableRequest r;
  r.space = Space{n, k, 1};
  r.cutoff = cutoff;
  r.threads = 1;
  // CTM_WAVEFRONT_NO_CPU=1 skips the CPU walk (and the comparison); CTM_WAVEFRONT_REFILL=lanes.
  const bool with_cpu = !std::getenv("CTM_WAVEFRONT_NO_CPU");
  const Table cpu = with_cpu ? enumerate_table(r) : Table{};
  const auto t1 = now();
  WavefrontOptions o;
  o.space = r.space;
  o.cutoff = cutoff;
  o.budgets = {16, 32, 64, 128};
  if (const char* e = std::getenv("CTM_WAVEFRONT_REFILL")) o.refill_lanes = static_cast<uint32_t>(std::atoi(e));
  const WavefrontResult w = enumerate_wavefront(o);
  const auto t2 = now();
  if (with_cpu) ctm::test_support::expect_identical(w.table, cpu);
  const auto& rep = w.report;
  auto sec = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf("(%d,%d) T=%u: cpu walk %.2f s, %llu steps, %llu nodes, cut-off runs %s\n", n, k, cutoff, sec(t0, t1),
              (unsigned long long)cpu.meta.simulated_steps, (unsigned long long)cpu.meta.tree_nodes,
              to_string(cpu.nonhalting_cutoff).c_str());
  std::printf("wavefront %.2f s: %llu nodes run, %llu steps from blank, %llu resumed (x%.3f re-simulation, x%.3f vs cpu), "
              "cut-off runs %s, %zu launches\n",
              sec(t1, t2), (unsigned long long)rep.nodes, (unsigned long long)rep.steps_from_blank,
              (unsigned long long)rep.steps_resumed, double(rep.steps_from_blank) / double(rep.steps_resumed),
              double(rep.steps_from_blank) / double(cpu.meta.simulated_steps), to_string(w.table.nonhalting_cutoff).c_str(),
              rep.launches.size());
  std::printf("utilisation: in order %.4f, sorted by parent run %.4f", rep.in_order.value(), rep.sorted.value());
  for (size_t b = 0; b < o.budgets.size(); ++b)
    std::printf(", budget %u %.4f (restart %.4f)", o.budgets[b], rep.budgeted[b].value(), rep.restarted[b].value());
  std::printf(", refilling %u lanes %.4f", o.refill_lanes, rep.refill.value());
  std::printf("\ntoday's design (lane = item subtree at depth %d): %llu items, %llu device steps, utilisation %.4f\n",
              rep.item_depth, (unsigned long long)rep.items, (unsigned long long)rep.per_item.useful, rep.per_item.value());
  // Per level, the launches summed.
  for (int lv = 0; lv <= n * k; ++lv) {
    LaneUtilisation a, s, f;
    uint64_t nodes = 0, steps = 0;
    uint32_t longest = 0;
    for (const auto& l : rep.launches)
      if (l.level == lv) { a.add(l.in_order); s.add(l.sorted); f.add(l.refill); nodes += l.nodes; steps += l.steps; longest = std::max(longest, l.longest); }
    if (nodes) std::printf("  level %2d: %10llu nodes %12llu steps longest %4u  in order %.4f sorted %.4f refill %.4f\n", lv,
                           (unsigned long long)nodes, (unsigned long long)steps, longest, a.value(), s.value(), f.value());
  }
}

}  // namespace
