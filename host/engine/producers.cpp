// for_each_producing_run (producers.hpp): the halting leaves of the tree, relabelled per blank.
#include "ctm/producers.hpp"
#include "tree.hpp"  // HaltingLeaf, for_each_halting_leaf

#include "ctm/enumerate.hpp"
#include "ctm/machine.hpp"

namespace ctm {
namespace {

// The machine with symbols 0 and b exchanged (reads, writes and the halting entry).
PartialMachine swap_blank(const PartialMachine& pm, int b, int& halt_entry, int& halt_write) {
  auto swap = [&](int v) { return v == b ? 0 : (v == 0 ? b : v); };
  PartialMachine r = pm;
  r.defined = 0;
  for (int q = 0; q < pm.n; ++q)
    for (int s = 0; s < pm.k; ++s) {
      const int e = q * pm.k + s;
      if (!is_defined(pm, e)) continue;
      Transition tr = pm.entry[e];
      tr.write = static_cast<uint8_t>(swap(tr.write));
      const int re = q * pm.k + swap(s);
      r.entry[re] = tr;
      r.defined |= 1u << re;
    }
  halt_entry = (halt_entry / pm.k) * pm.k + swap(halt_entry % pm.k);
  halt_write = swap(halt_write);
  return r;
}

}  // namespace

count_t for_each_producing_run(const Space& space, uint32_t cutoff_or_0, const std::string& target,
                               const std::function<void(const ProducingRun&)>& visit) {
  space.validate();
  const uint32_t cutoff = cutoff_or_0 ? cutoff_or_0 : standard_cutoff(space);
  if (cutoff == 0) throw Error("no standard cutoff for space " + space.name() + ": give one with --cutoff");
  if (space.machine_count() > 100'000'000'000ull)
    throw Error("space " + space.name() + " is too large to list machines (at most (4,2)-sized spaces)");
  for (char c : target)
    if (symbol_value(c) < 0 || symbol_value(c) >= space.symbols)
      throw Error("string '" + target + "' has symbol '" + std::string(1, c) + "' outside 0.." + std::to_string(space.symbols - 1));
  count_t total = 0;
  for (int b = 0; b < space.symbols; ++b) {
    std::string want = target;  // what the relabelled machine writes on blank 0
    for (char& ch : want) {
      const int v = symbol_value(ch);
      ch = symbol_char(v == b ? 0 : (v == 0 ? b : v));
    }
    for_each_halting_leaf(space, cutoff, [&](const HaltingLeaf& leaf) {
      if (leaf.output != want) return;
      int he = leaf.halt_entry, hw = leaf.halt_write;
      const PartialMachine pm = b == 0 ? leaf.machine : swap_blank(leaf.machine, b, he, hw);
      total += leaf.weight;
      visit(ProducingRun{b, leaf.steps, leaf.weight, to_standard_text(pm, he, hw)});
    });
  }
  return total;
}

}  // namespace ctm
