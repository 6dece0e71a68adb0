// CPU memory and sink for walk_subtree (see tree.hpp and kernels/core/tree_walk.hpp), instantiated
// for Tape1d and Grid2d.
#include "tree.hpp"

#include "core/limits.hpp"

namespace ctm::detail {

template <class Geo>
struct ExplorerOf<Geo>::Sink {
  using Cells = typename Geo::Cells;
  using Run = typename Geo::Run;
  ExplorerOf& ex;
  void node() { ex.acc_.nodes++; }
  void halting(Cells cells, const Run& r, const WalkFrame<Geo>& f, count_t weight, uint32_t step, bool reflected_too) {
    const int k = ex.space_.symbols;
    ex.acc_.add_halting_outputs(cells, r, false, weight);
    if (reflected_too) ex.acc_.add_halting_outputs(cells, r, true, weight);
    const count_t runs = weight * static_cast<count_t>(k) * (reflected_too ? 2 : 1);
    ex.acc_.halt_time[step] += runs;
    ex.acc_.halting += runs;
    if (ex.leaf_visitor_) {
      for (int w = 0; w < k; ++w) {
        const std::string out = AccumulatorOf<Geo>::output_text(cells, r, static_cast<uint8_t>(w), false);
        (*ex.leaf_visitor_)(HaltingLeaf{f.m, f.entry, w, step, out, weight});
      }
    }
  }
  void cutoff(count_t weight) { ex.acc_.cutoff_runs += weight; }
  void proved(count_t weight) { ex.acc_.proved += weight; }
  void steps(uint32_t n) { ex.acc_.steps += n; }
  void frontier(const PartialMachine& m, const Run& r, count_t mult, Cells cells) {
    Item item{m, r, mult, std::vector<uint8_t>(Geo::cell_count(r))};
    Geo::save(item.cells.data(), cells, r);
    ex.frontier_->push_back(std::move(item));
  }
  bool cancelled() {
    return ex.cancel_ && (ex.acc_.nodes & kHostCancelPollMask) == 0 && ex.cancel_->load(std::memory_order_relaxed);
  }
};

template <class Geo>
ExplorerOf<Geo>::ExplorerOf(const Space& space, uint32_t cutoff, AccumulatorOf<Geo>& acc)
    : space_(space), cutoff_(cutoff), acc_(acc), pow_(space.option_powers()), schedule_(ProofSchedule::for_cutoff(cutoff)) {
  typename Geo::Store store = Geo::store_for(cutoff);
  const int levels = space.entries() + 2;
  cells_.assign(static_cast<size_t>(levels) * Geo::level_bytes(store), 0);
  scratch_.assign(Geo::scratch_bytes(store), 0);
  frames_.resize(levels);
  store.base = cells_.data();
  mem_ = WalkMemory<Geo>{store, frames_.data(), Geo::scratch_at(scratch_.data(), store), &acc_.walk};
}

template <class Geo>
WorkItemOf<Geo> ExplorerOf<Geo>::root(const Space& space) {
  Item w{};
  w.machine.n = static_cast<uint8_t>(space.states);
  w.machine.k = static_cast<uint8_t>(space.symbols);
  w.machine.used_states = 1;
  w.run = Geo::root_run();
  w.multiplicity = 1;
  w.cells.assign(1, 0);
  return w;
}

template <class Geo>
void ExplorerOf<Geo>::expand(const Item& item, bool skip_halting, bool root_mirrored) {
  Geo::load(mem_.cells(0), item.run, item.cells.data());
  WalkConfig cfg{space_.states, space_.symbols, cutoff_, pow_.data(), frontier_ ? frontier_depth_ : 0};
  cfg.ngram_after = schedule_.ngram_after;
  cfg.bouncer_after = schedule_.bouncer_after;
  Sink sink{*this};
  walk_subtree(cfg, item.machine, item.run, item.multiplicity, skip_halting, root_mirrored, mem_, sink);
}

template <class Geo>
void ExplorerOf<Geo>::count_halting(const Item& item) {
  const typename Geo::Cells cells = mem_.cells(0);
  Geo::load(cells, item.run, item.cells.data());
  WalkFrame<Geo> f{};
  f.m = item.machine;
  f.r = item.run;
  f.entry = static_cast<uint8_t>(item.run.state * space_.symbols + Geo::read(cells, item.run));
  const int free_after = space_.entries() - item.machine.defined_count - 1;
  Sink{*this}.halting(cells, item.run, f, item.multiplicity * pow_[free_after], item.run.steps + 1,
                      Geo::halting_reflected(item.machine));
}

template class ExplorerOf<Tape1d>;
template class ExplorerOf<Grid2d>;

}  // namespace ctm::detail
