// Helpers for tests of the non-halting filters: a plain simulator independent of tm.hpp and
// partial machines from the standard text format.
#pragma once
#include <string>
#include <vector>

#include "core/partial_machine.hpp"
#include "ctm/machine.hpp"

namespace ctm::test_support {

// Independent of tm.hpp: a plain array tape, from blank 0. Returns the number of steps executed
// before an undefined entry is read, or `limit` when none is read within `limit` steps.
inline uint32_t steps_before_undefined(const PartialMachine& m, uint32_t limit) {
  std::vector<uint8_t> tape(2 * static_cast<size_t>(limit) + 3, 0);
  size_t head = limit + 1;
  int state = 0;
  for (uint32_t step = 0; step < limit; ++step) {
    const int e = state * m.k + tape[head];
    if (!((m.defined >> e) & 1u)) return step;
    tape[head] = m.entry[e].write;
    head += m.entry[e].move == kRight ? 1 : -1;
    state = m.entry[e].next;
  }
  return limit;
}

// The running entries of a machine in the standard text format ("1RB---_..."); its halting and
// undefined entries are left undefined.
inline PartialMachine partial_from_text(const std::string& text, int k) {
  const Machine full = parse_standard_text(text, k);
  PartialMachine m{};
  m.n = static_cast<uint8_t>(full.space.states);
  m.k = static_cast<uint8_t>(k);
  m.used_states = 1;
  for (size_t e = 0; e < full.entries.size(); ++e) {
    const MachineEntry& x = full.entries[e];
    if (x.defined && !x.halt)
      define_entry(m, static_cast<int>(e), Transition{static_cast<uint8_t>(x.write), static_cast<uint8_t>(x.move),
                                                     static_cast<uint8_t>(x.next), 0});
  }
  return m;
}

}  // namespace ctm::test_support
