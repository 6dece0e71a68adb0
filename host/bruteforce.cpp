// The oracle's oracle: every whole machine on every blank, simulated naively on a growable tape.
// Deliberately shares nothing with tm.hpp or the tree (no symmetries, no filters, no weights).
#include <deque>

#include "ctm/machine.hpp"
#include "ctm/version.hpp"

namespace ctm {

std::optional<std::string> simulate_naive(const Machine& m, int blank, uint32_t cutoff, uint32_t* steps_out) {
  const int k = m.space.symbols;
  std::deque<int> tape{blank};
  long head = 0, lo = 0, hi = 0;  // head index into tape; lo/hi: visited block (tape indices)
  int state = 0;
  for (uint32_t step = 1; step <= cutoff; ++step) {
    const MachineEntry& e = m.entries[state * k + tape[head]];
    if (!e.defined) throw Error("simulate_naive: machine has an undefined entry");
    tape[head] = e.write;
    if (e.halt) {
      if (steps_out) *steps_out = step;
      std::string out;
      for (long i = lo; i <= hi; ++i) out += symbol_char(tape[i]);
      return out;
    }
    if (e.move == kRight) {
      ++head;
      if (head == static_cast<long>(tape.size())) tape.push_back(blank);
    } else if (head == 0) {
      tape.push_front(blank);  // the new cell becomes index 0; the block's old cells shift by one
      ++hi;
      lo = 0;
    } else {
      --head;
    }
    if (head < lo) lo = head;
    if (head > hi) hi = head;
    state = e.next;
  }
  return std::nullopt;
}

Table enumerate_bruteforce(const Space& space, uint32_t cutoff, uint64_t max_machines) {
  space.validate();
  const count_t total = space.machine_count();
  if (total > max_machines)
    throw Error("brute force refuses space " + space.name() + ": " + to_string(total) + " machines");
  Table t;
  t.meta.space = space;
  t.meta.cutoff = cutoff;
  t.meta.backend = "bruteforce";
  t.meta.code_version = kVersion;
  t.halt_time.assign(cutoff + 1, 0);
  for (count_t i = 0; i < total; ++i) {
    const Machine m = decode_machine_number(space, i);
    for (int b = 0; b < space.symbols; ++b) {
      uint32_t steps = 0;
      if (auto out = simulate_naive(m, b, cutoff, &steps)) {
        t.counts[*out]++;
        t.halting++;
        t.halt_time[steps]++;
      } else {
        t.nonhalting_cutoff++;
      }
    }
  }
  t.machines = total;
  return t;
}

}  // namespace ctm
