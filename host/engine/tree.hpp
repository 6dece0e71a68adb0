// The CPU side of the tree walk, one template for 1D and 2D: memory for walk_subtree (tree_walk.hpp)
// and a sink that accumulates leaves, collects frontier items or reports halting leaves. Internal to host/.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "accumulator.hpp"
#include "ctm/enumerate.hpp"
#include "core/work_item.hpp"

namespace ctm {

// A halting leaf of the tree: the machine (entries read so far, halting entry included as
// `halt_entry` writing `halt_write`), its output on blank 0 and the number of full machines it stands
// for (weight). Used by `ctm machines`.
struct HaltingLeaf {
  PartialMachine machine;
  int halt_entry;
  int halt_write;
  uint32_t steps;
  std::string output;
  count_t weight;  // machines agreeing on the read entries, times the relabelling multiplicity
};

// Visits every halting leaf of the full tree on blank 0 (no mirror or relabelling reduction of
// the leaves' identity other than state relabelling, whose multiplicity is in `weight`).
void for_each_halting_leaf(const Space& space, uint32_t cutoff,
                           const std::function<void(const HaltingLeaf&)>& visit);

}  // namespace ctm

namespace ctm::detail {

struct DeviceLeaves;

// The CPU walker of one geometry (Tape1d or Grid2d): its walk memory, and a sink that adds the leaves
// to an accumulator, collects frontier items or reports halting leaves.
template <class Geo>
class ExplorerOf {
 public:
  using Item = WorkItemOf<Geo>;
  ExplorerOf(const Space& space, uint32_t cutoff, AccumulatorOf<Geo>& acc);

  // Set before expand(): children whose run stops at an undefined entry with `depth` defined entries
  // are appended to `out` instead of being expanded.
  void collect_frontier(std::vector<Item>* out, int depth) { frontier_ = out; frontier_depth_ = depth; }
  // Optional hook for every (unreflected) halting leaf (ctm machines, 1D); slow path, off by default.
  void on_halting_leaf(const std::function<void(const HaltingLeaf&)>* visit) { leaf_visitor_ = visit; }
  void set_cancel_flag(const std::atomic<bool>* flag) { cancel_ = flag; }
  // Steps a run goes on before the n-gram and bouncer proofs are tried (0 = never; tests compare
  // with and without).
  void set_schedule(const ProofSchedule& schedule) { schedule_ = schedule; }

  // Walks the subtree below a work item: its halting leaves (unless skip_halting) and its running
  // children (only the mirrored root's first moves when root_mirrored: right in 1D, east in 2D).
  void expand(const Item& item, bool skip_halting = false, bool root_mirrored = false);
  // Only the halting leaves of a node (used for the root, whose running children are mirrored).
  void count_halting(const Item& item);

  // The root of the tree: empty machine, head on blank cell 0, step 1 about to read (state 0, blank).
  static Item root(const Space& space);

 private:
  struct Sink;
  friend struct Sink;
  Space space_;
  uint32_t cutoff_;
  AccumulatorOf<Geo>& acc_;
  std::vector<count_t> pow_;
  std::vector<uint8_t> cells_, scratch_;
  std::vector<WalkFrame<Geo>> frames_;
  WalkMemory<Geo> mem_{};
  std::vector<Item>* frontier_ = nullptr;
  int frontier_depth_ = 0;
  const std::function<void(const HaltingLeaf&)>* leaf_visitor_ = nullptr;
  const std::atomic<bool>* cancel_ = nullptr;
  ProofSchedule schedule_;
};

using Explorer = ExplorerOf<Tape1d>;
using Explorer2d = ExplorerOf<Grid2d>;

// A proof schedule as table metadata records it (TableMeta::schedule).
inline std::map<std::string, uint32_t> schedule_meta(const ProofSchedule& s) {
  return {{"ngram_after", s.ngram_after}, {"bouncer_after", s.bouncer_after}};
}

// Adds a device run's leaves (mirrored-root subtrees, blank 0; kernels/cuda_backend.hpp) to `acc`.
template <class Geo>
void add_device_leaves(AccumulatorOf<Geo>& acc, const DeviceLeaves& leaves);

// host/engine/enumerate.cpp's 1D frontier depth (a function of the space only: shard-stable) and
// symmetrisation of blank-0 leaves into a table, for the other 1D pipelines (the wavefront emulation).
int default_frontier_depth_1d(const Space& space);
Table symmetrize_1d(const Space& space, uint32_t cutoff, const Accumulator& unmirrored, const Accumulator& right_first);

}  // namespace ctm::detail
