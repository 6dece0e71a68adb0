// CPU memory and sink for walk_subtree (see tree.hpp and kernels/core/tree_walk.hpp).
#include "tree.hpp"

#include <cstring>

#include "core/limits.hpp"

namespace ctm::detail {

struct Explorer::Sink {
  Explorer& ex;
  void node() { ex.acc_.nodes++; }
  void halting(const uint8_t* cells, int len, int head, const WalkFrame& f, count_t weight, uint32_t step) {
    const int k = ex.space_.symbols;
    for (int w = 0; w < k; ++w) ex.acc_.add_output(cells, len, head, static_cast<uint8_t>(w), weight);
    ex.acc_.halt_time[step] += weight * static_cast<count_t>(k);
    ex.acc_.halting += weight * static_cast<count_t>(k);
    if (ex.leaf_visitor_) {
      for (int w = 0; w < k; ++w) {
        HaltingLeaf leaf{f.m, f.entry, w, step, std::string(len, '0'), weight};
        for (int i = 0; i < len; ++i) leaf.output[i] = symbol_char(i == head ? w : cells[i]);
        (*ex.leaf_visitor_)(leaf);
      }
    }
  }
  void cutoff(count_t weight) { ex.acc_.cutoff_runs += weight; }
  void proved(count_t weight) { ex.acc_.proved += weight; }
  void steps(uint32_t n) { ex.acc_.steps += n; }
  void frontier(const PartialMachine& m, const RunState& r, count_t mult, const uint8_t* tape) {
    ex.frontier_->push_back(WorkItem{m, r, mult, std::vector<uint8_t>(tape + r.lo, tape + r.hi + 1)});
  }
  bool cancelled() {
    return ex.cancel_ && (ex.acc_.nodes & kHostCancelPollMask) == 0 && ex.cancel_->load(std::memory_order_relaxed);
  }
};

Explorer::Explorer(const Space& space, uint32_t cutoff, Accumulator& acc)
    : space_(space), cutoff_(cutoff), acc_(acc), pow_(space.option_powers()) {
  // The head moves at most `cutoff` cells either way from cell 0; one spare cell each side.
  const int32_t origin = static_cast<int32_t>(cutoff) + 2;
  const int32_t stride = 2 * origin + 1;
  const int levels = space.entries() + 2;
  tapes_.assign(static_cast<size_t>(levels) * stride, 0);
  scratch_.assign(3 * static_cast<size_t>(stride), 0);
  frames_.resize(levels);
  mem_ = WalkMemory{tapes_.data(), stride, origin, frames_.data(),
                    ProofScratch{scratch_.data(), scratch_.data() + stride, scratch_.data() + 2 * stride, stride},
                    &acc_.walk};
}

WorkItem Explorer::root(const Space& space) {
  WorkItem w{};
  w.machine.n = static_cast<uint8_t>(space.states);
  w.machine.k = static_cast<uint8_t>(space.symbols);
  w.machine.used_states = 1;
  w.run = RunState{0, 0, 0, 0, 0, 0};
  w.multiplicity = 1;
  w.tape.assign(1, 0);
  return w;
}

void Explorer::expand(const WorkItem& item, bool skip_halting, bool only_right) {
  std::memcpy(mem_.tape(0) + item.run.lo, item.tape.data(), item.tape.size());
  WalkConfig cfg{space_.states, space_.symbols, cutoff_, pow_.data(), frontier_ ? frontier_depth_ : 0};
  cfg.ngram_after = ngram_after_;
  Sink sink{*this};
  walk_subtree(cfg, item.machine, item.run, item.multiplicity, skip_halting, only_right, mem_, sink);
}

void Explorer::count_halting(const WorkItem& item) {
  const uint8_t* cells = item.tape.data();
  WalkFrame f{};
  f.m = item.machine;
  f.r = item.run;
  f.entry = static_cast<uint8_t>(item.run.state * space_.symbols + cells[item.run.head - item.run.lo]);
  const int free_after = space_.entries() - item.machine.defined_count - 1;
  Sink sink{*this};
  sink.halting(cells, static_cast<int>(item.tape.size()), item.run.head - item.run.lo, f,
               item.multiplicity * pow_[free_after], item.run.steps + 1);
}

}  // namespace ctm::detail
