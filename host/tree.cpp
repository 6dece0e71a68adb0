// Tree expansion (see tree.hpp). Weights: a leaf whose run read u of the nk entries stands for
// B^(nk-u) machines (B options per entry), times the state-relabelling multiplicity of its path.
#include "tree.hpp"

#include <cstring>

namespace ctm::detail {

Explorer::Explorer(const Space& space, uint32_t cutoff, Accumulator& acc)
    : space_(space), cutoff_(cutoff), acc_(acc) {
  const int nk = space.entries();
  pow_.assign(nk + 1, 1);
  for (int i = 1; i <= nk; ++i) pow_[i] = pow_[i - 1] * static_cast<count_t>(space.options_per_entry());
  // The head moves at most `cutoff` cells either way from cell 0; one spare cell each side.
  origin_ = static_cast<int32_t>(cutoff) + 2;
  tapes_.assign(nk + 2, std::vector<uint8_t>(2 * origin_ + 1, 0));
  scratch_buffer_.assign(3 * (2 * origin_ + 1), 0);
  scratch_ = ProofScratch{scratch_buffer_.data(), scratch_buffer_.data() + (2 * origin_ + 1),
                          scratch_buffer_.data() + 2 * (2 * origin_ + 1), 2 * origin_ + 1};
}

WorkItem Explorer::root(const Space& space) {
  WorkItem w{};
  w.machine.n = static_cast<uint8_t>(space.states);
  w.machine.k = static_cast<uint8_t>(space.symbols);
  w.machine.used_states = 1;
  w.machine.defined = 0;
  w.machine.defined_count = 0;
  w.run = RunState{0, 0, 0, 0, 0};
  w.multiplicity = 1;
  w.tape.assign(1, 0);
  return w;
}

void Explorer::expand(const WorkItem& item, bool skip_halting, bool only_right) {
  uint8_t* t = tape(0);
  std::memcpy(t + item.run.lo, item.tape.data(), item.tape.size());
  expand_node(0, item.machine, item.run, item.multiplicity, skip_halting, only_right);
}

void Explorer::count_halting(const WorkItem& item) {
  uint8_t* t = tape(0);
  std::memcpy(t + item.run.lo, item.tape.data(), item.tape.size());
  halting_leaves(0, item.machine, item.run, item.multiplicity);
}

// Halting options at an undefined entry: write w, halt at step r.steps+1 without moving.
void Explorer::halting_leaves(int level, const PartialMachine& m, const RunState& r, count_t mult) {
  const int k = space_.symbols;
  const int free_after = space_.entries() - m.defined_count - 1;
  const uint8_t* cells = tape(level);
  const int e = r.state * k + cells[r.head];
  const count_t w_leaf = mult * pow_[free_after];
  const int len = r.hi - r.lo + 1;
  for (int w = 0; w < k; ++w) acc_.add_output(cells + r.lo, len, r.head - r.lo, static_cast<uint8_t>(w), w_leaf);
  acc_.halt_time[r.steps + 1] += w_leaf * static_cast<count_t>(k);
  acc_.halting += w_leaf * static_cast<count_t>(k);
  if (leaf_visitor_) {
    for (int w = 0; w < k; ++w) {
      HaltingLeaf leaf{m, e, w, r.steps + 1, std::string(len, '0'), w_leaf};
      for (int i = 0; i < len; ++i) leaf.output[i] = symbol_char(r.lo + i == r.head ? w : cells[r.lo + i]);
      (*leaf_visitor_)(leaf);
    }
  }
}

void Explorer::expand_node(int level, const PartialMachine& m, const RunState& r, count_t mult,
                           bool skip_halting, bool only_right) {
  acc_.nodes++;
  const int n = space_.states, k = space_.symbols;
  const int free_after = space_.entries() - m.defined_count - 1;
  const uint8_t* cells = tape(level);
  const int e = r.state * k + cells[r.head];

  if (!skip_halting) halting_leaves(level, m, r, mult);
  if (cancel_ && (acc_.nodes & 0xffff) == 0 && cancel_->load(std::memory_order_relaxed)) return;

  if (free_after == 0) {
    // Defining the last entry as a running transition leaves no way to halt: all 2kn running
    // children (relabelling multiplicities included) are proved non-halting without a run.
    acc_.proved += mult * static_cast<count_t>(2 * k * n / (only_right ? 2 : 1));
    return;
  }
  uint8_t* child_tape = tape(level + 1);
  const int states_choice = m.used_states < n ? m.used_states + 1 : n;
  for (int w = 0; w < k; ++w) {
    for (int move = only_right ? kRight : kLeft; move <= kRight; ++move) {
      for (int next = 0; next < states_choice; ++next) {
        // A not-yet-used target state stands for all (n - used) interchangeable ones.
        const count_t child_mult = next == m.used_states ? mult * static_cast<count_t>(n - m.used_states) : mult;
        PartialMachine cm = m;
        define_entry(cm, e, Transition{static_cast<uint8_t>(w), static_cast<uint8_t>(move),
                                       static_cast<uint8_t>(next), 0});
        std::memcpy(child_tape + r.lo, cells + r.lo, r.hi - r.lo + 1);
        RunState cr = r;
        apply_transition(cm.entry[e], cr, child_tape, 0);
        const StopReason stop = run_until_branch(cm, cr, child_tape, cutoff_, 0, scratch_);
        acc_.steps += cr.steps - r.steps;
        const count_t leaf_weight = child_mult * pow_[free_after];
        switch (stop) {
          case StopReason::kCutoff: acc_.cutoff_runs += leaf_weight; break;
          case StopReason::kProvedNonHalt: acc_.proved += leaf_weight; break;
          case StopReason::kUndefined:
            if (frontier_ && cm.defined_count == frontier_depth_) {
              WorkItem item{cm, cr, child_mult, std::vector<uint8_t>(child_tape + cr.lo, child_tape + cr.hi + 1)};
              frontier_->push_back(std::move(item));
            } else {
              expand_node(level + 1, cm, cr, child_mult, false, false);
            }
            break;
        }
      }
    }
  }
}

}  // namespace ctm::detail
