// The tree of partial machines (spec section 2, "Tree Normal Form"): expansion of a node whose run
// stopped at an undefined entry into its halting leaves and running children, with exact weights.
// Shared by the CPU backend (whole subtrees) and the frontier builder (first levels).
#pragma once
#include <atomic>
#include <vector>

#include "accumulator.hpp"
#include "ctm/enumerate.hpp"

namespace ctm::detail {

class Explorer {
 public:
  Explorer(const Space& space, uint32_t cutoff, Accumulator& acc);

  // Set before expand(): children whose run stops at an undefined entry with `depth` defined entries
  // are appended to `out` instead of being expanded.
  void collect_frontier(std::vector<WorkItem>* out, int depth) { frontier_ = out; frontier_depth_ = depth; }
  // Optional hook for every halting leaf (ctm machines); slow path, off by default.
  void on_halting_leaf(const std::function<void(const HaltingLeaf&)>* visit) { leaf_visitor_ = visit; }
  void set_cancel_flag(const std::atomic<bool>* flag) { cancel_ = flag; }

  // Node = work item; counts its halting leaves (unless skip_halting) and explores its running
  // children (only right-moving ones when only_right, for the mirror symmetry at the root).
  void expand(const WorkItem& item, bool skip_halting = false, bool only_right = false);

  // Only the halting leaves of a node (used for the root, whose running children are mirrored).
  void count_halting(const WorkItem& item);

  // The root of the tree: empty machine, head on blank cell 0, step 1 about to read (state 0, blank).
  static WorkItem root(const Space& space);

 private:
  void halting_leaves(int level, const PartialMachine& m, const RunState& r, count_t mult);
  void expand_node(int level, const PartialMachine& m, const RunState& r, count_t mult,
                   bool skip_halting, bool only_right);
  uint8_t* tape(int level) { return tapes_[level].data() + origin_; }

  Space space_;
  uint32_t cutoff_;
  Accumulator& acc_;
  std::vector<count_t> pow_;  // pow_[i] = (options per entry)^i
  std::vector<std::vector<uint8_t>> tapes_;
  std::vector<uint8_t> scratch_buffer_;
  ProofScratch scratch_;
  int32_t origin_;
  std::vector<WorkItem>* frontier_ = nullptr;
  int frontier_depth_ = 0;
  const std::function<void(const HaltingLeaf&)>* leaf_visitor_ = nullptr;
  const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace ctm::detail
