// The bodies of the wavefront's device kernels (kernels/wavefront.cu wraps each in one line), CTM_HD
// so that the CPU tests run the very same functions on host threads (tests/test_wavefront.cpp):
// persistent lanes that take a level's nodes from an atomic counter, run each from the blank tape
// (run_node), send its leaves to the device histogram (device_histogram.hpp) and write its child
// count; and the writing of the children (make_child) at the places an exclusive scan of the counts gave.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/device_histogram.hpp"
#include "core/wavefront.hpp"

namespace ctm {

// What the expansion needs of a node's run: the step count and the undefined entry it read.
struct WaveBranch {
  uint32_t steps, entry;
};

struct WaveLevelConfig {
  uint32_t cutoff;
  WaveProofs proofs;
  int k;
  bool cycle_proof;     // the exact and translated cycle proofs (the scratch tapes)
  const count_t* pow;   // (k(2n+1))^i, i = 0..n*k (Space::option_powers), in device memory
};

// The most children a node has: k writes x 2 moves x n states (child_count() of a non-root node).
CTM_HD uint32_t max_child_count(int n, int k) { return static_cast<uint32_t>(2 * n * k); }

// A halting node's k leaves, as the CPU emulation's add_halting(): the visited block with the head
// cell written 0..k-1 at step + 1, packed into the hash when it fits, else an arena record
// (parse_arena() gives the same string as the CPU accumulator's long-output key).
template <int Words>
CTM_HD void wave_halting_leaves(DeviceSinkTotals& sink, const WaveTape<Words>& tape, const NodeRun& r, int k,
                                count_t weight) {
  const DeviceHistogram& h = sink.h;
  const int tbits = tape_bits(k);
  for (int v = 0; v < k; ++v) {
    if (const hd::u64 key = wave_output_key(tape, r, static_cast<uint8_t>(v), k)) {
      hash_add(h, key, weight);
      continue;
    }
    const int len = r.hi - r.lo + 1;
    uint8_t* out = arena_record(h, len, 0, weight);
    if (!out) continue;
    for (int i = 0; i < len; ++i)
      out[i] = r.lo + i == r.head ? static_cast<uint8_t>(v) : static_cast<uint8_t>(tape.get(r.lo + i, tbits));
  }
  const count_t runs = weight * static_cast<count_t>(k);
  hd::atomic_add_u128(&h.hist[2 * static_cast<size_t>(r.steps + 1)], runs);
  sink.halting_w += runs;
}

// What every thread of the level kernel runs: take nodes (*next)++ below `count`, run each from the
// blank tape on a tape of this thread's own (registers / local memory, never a global slice), count
// its leaves (every node of a device level is the shard's: levels deeper than the shard depth) and
// write child_counts[i] (0 for a leaf) and branch[i]. Stops taking nodes once the attempt is void.
template <int Words>
CTM_HD void wave_level_lanes(const DeviceHistogram& h, unsigned* next, const WaveNode* nodes, uint32_t count,
                             const WaveLevelConfig& cfg, uint32_t* child_counts, WaveBranch* branch) {
  DeviceSinkTotals sink(h);
  WaveTape<Words> tape;
  WaveScratch<Words> scratch;
  for (;;) {
    if (hd::load_u32(h.error)) break;  // attempt void: stop early
    const uint32_t i = hd::atomic_add_u32(next, 1u);
    if (i >= count) break;
    const WaveNode w = nodes[i];
    const NodeRun r = run_node(w, cfg.cutoff, cfg.proofs, tape, cfg.cycle_proof ? &scratch : nullptr);
    sink.steps(w.root ? r.steps : r.steps - w.parent_steps);  // as the CPU walk resumes the parent's tape
    uint32_t children = 0;
    if (r.stop == static_cast<uint8_t>(StopReason::kUndefined)) {
      sink.node();
      wave_halting_leaves(sink, tape, r, cfg.k, halting_weight(w, cfg.pow));
      if (last_free_entry(w)) sink.proved(all_children_weight(w));
      else children = static_cast<uint32_t>(child_count(w));
    } else if (r.stop == static_cast<uint8_t>(StopReason::kCutoff)) {
      sink.cutoff(settled_weight(w, cfg.pow));
    } else {
      sink.proved(settled_weight(w, cfg.pow));
    }
    child_counts[i] = children;
    branch[i] = WaveBranch{r.steps, r.entry};
  }
  sink.flush();
}

// Children of nodes [0, count): thread t of `threads` writes child (t mod max_children) of node
// (t / max_children) and every `threads`-th one after it, at offsets[node] + child in `out`
// (offsets: the exclusive scan of child_counts), so neighbouring threads write neighbouring children.
CTM_HD void wave_write_children(size_t t, size_t threads, const WaveNode* nodes, uint32_t count, uint32_t max_children,
                                const uint32_t* child_counts, const uint32_t* offsets, const WaveBranch* branch,
                                WaveNode* out) {
  const size_t total = static_cast<size_t>(count) * max_children;
  for (; t < total; t += threads) {
    const uint32_t parent = static_cast<uint32_t>(t / max_children), c = static_cast<uint32_t>(t % max_children);
    if (c >= child_counts[parent]) continue;
    const WaveBranch b = branch[parent];
    out[offsets[parent] + c] = make_child(nodes[parent], static_cast<int>(b.entry), static_cast<int>(c), b.steps);
  }
}

}  // namespace ctm
