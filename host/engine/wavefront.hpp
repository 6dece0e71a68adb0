// The CPU emulation of the level-synchronous wavefront enumeration (kernels/core/wavefront.hpp) for
// 1D spaces, instrumented with the lane utilisation a 32-lane SIMT machine would get. Internal to
// host/ and tests/; the design and its numbers: docs/gpu.md, "Converged warps".
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ctm/enumerate.hpp"
#include "ctm/table.hpp"
#include "ctm/types.hpp"
#include "wavefront_backend.hpp"

namespace ctm::detail {

struct WavefrontOptions {
  Space space;
  uint32_t cutoff = 0;                       // 0 = the space's standard cutoff
  uint32_t shard_index = 0, shard_count = 1;  // the same slices as enumerate()'s --shard
  int frontier_depth = 0;                    // depth that defines the shards (0 = enumerate()'s default)
  uint32_t launch_nodes = 1u << 17;          // nodes per launch (a level is cut into launches)
  uint32_t ngram_after = kNgramAfterDefault;  // as EnumerateOptions::ngram_after (0 = never; default_ngram_after)
  uint32_t bouncer_after = kBouncerAfter;    // as EnumerateOptions::bouncer_after (0 = never)
  bool cycle_proof = true;                   // the exact and translated cycle proofs (3 more tapes a lane)
  std::vector<uint32_t> budgets;             // per-launch step budgets whose schedule to measure
  uint32_t refill_lanes = 4096;              // lanes of the refilling schedule (a multiple of 32)
  // Where the levels below the shard depth run: empty = the CPU emulation (whose report then covers
  // every level); else a device executor (wavefront_on_device, or the host-emulated device of the
  // tests), the levels down to the shard depth staying on the CPU as enumerate()'s frontier does.
  WaveDeviceRunner device;
  std::string backend = "wavefront-emulation";  // the table's meta.backend
  // Called about every progress_interval seconds between launches (tree nodes, machines covered
  // and the time so far; no item counts); returning false cancels (throws ctm::Cancelled).
  std::function<bool(const Progress&)> progress;
  double progress_interval = 0.5;
};

// Lane-steps of a schedule: useful ones (steps a lane simulates) and issued ones (32 x the longest
// lane of each 32-lane group, summed over groups). value() = useful / issued, the SIMT efficiency.
struct LaneUtilisation {
  uint64_t useful = 0, issued = 0;
  double value() const { return issued ? static_cast<double>(useful) / static_cast<double>(issued) : 1.0; }
  void add(const LaneUtilisation& o) { useful += o.useful; issued += o.issued; }
};

// Lanes taken in the given order, 32 to a group (a last, partial group idles its empty lanes).
LaneUtilisation lane_utilisation(const std::vector<uint32_t>& lane_steps);
// The same lanes under a per-launch step budget: each round runs every remaining lane for at most
// `budget` steps; lanes not finished are compacted, in order, into the next round (which would
// resume them from a saved tape).
LaneUtilisation budgeted_utilisation(const std::vector<uint32_t>& lane_steps, uint32_t budget);
// The same without saved tapes (a node stays just its table): round r runs every remaining lane
// for at most budget * 4^r steps from the blank tape; lanes not finished run again, from the blank
// tape, in the next round. Useful lane-steps are the runs' own steps, the repeats are waste.
LaneUtilisation restart_utilisation(const std::vector<uint32_t>& lane_steps, uint32_t budget);

// Persistent lanes that refill: `lanes` lanes (lanes / 32 warps) take the nodes in order from the
// launch's queue, each lane its next node the moment its run ends (from the blank tape: the node is
// just its table, so no state is saved). A warp is issued until its last lane is done.
LaneUtilisation refill_utilisation(const std::vector<uint32_t>& lane_steps, uint32_t lanes);

struct WavefrontLaunch {
  int level;             // defined entries of its nodes
  uint32_t nodes;
  uint64_t steps;        // from the blank tape, summed over its lanes
  uint32_t longest;
  LaneUtilisation in_order, sorted;  // lanes in batch order / sorted by their parent's run length
  LaneUtilisation refill;            // persistent refilling lanes
};

struct WavefrontReport {
  std::vector<WavefrontLaunch> launches;
  LaneUtilisation in_order, sorted;             // over all launches
  std::vector<LaneUtilisation> budgeted;        // one per WavefrontOptions::budgets entry (batch order)
  std::vector<LaneUtilisation> restarted;       // the same budgets, restarting from the blank tape
  LaneUtilisation refill;                       // persistent refilling lanes (refill_utilisation)
  uint64_t nodes = 0;                           // partial machines run (the root included)
  uint64_t frontier_items = 0;                  // shard-depth nodes that read an undefined entry (enumerate()'s items)
  uint64_t frontier_items_mine = 0;             // those of this shard
  uint64_t steps_from_blank = 0;                // what the wavefront simulates
  uint64_t steps_resumed = 0;                   // the same nodes resumed from their parent's tape
  // Today's device design, emulated from the same tree: one lane per device work item (the nodes
  // that branch at enumerate_device's split depth, in queue order), a lane's work is its whole
  // subtree resumed from parent tapes.
  int item_depth = 0;
  uint64_t items = 0;
  LaneUtilisation per_item;
};

struct WavefrontResult {
  Table table;
  WavefrontReport report;
};

// Enumerates a 1D space (or one shard of it) with the wavefront; the table equals enumerate()'s
// count for count (outputs, H, halting times, machines, proved / cut-off split, simulated steps and
// tree nodes), on the CPU or with options.device. Throws ctm::Error on bad options.
WavefrontResult enumerate_wavefront(const WavefrontOptions& options);

}  // namespace ctm::detail
