// The oracle's oracle: every whole machine on every blank, simulated naively on a growable tape.
// Deliberately shares nothing with tm.hpp or the tree (no symmetries, no filters, no weights).
#include <algorithm>
#include <deque>
#include <map>

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

std::optional<std::string> simulate_naive_2d(const Machine& m, int blank, uint32_t cutoff, uint32_t* steps_out) {
  const int k = m.space.symbols;
  std::map<std::pair<long, long>, int> grid;  // (row, column) -> symbol; absent = blank
  long row = 0, col = 0, top = 0, bottom = 0, left = 0, right = 0;
  int state = 0;
  auto read = [&](long r, long c) {
    auto it = grid.find({r, c});
    return it == grid.end() ? blank : it->second;
  };
  for (uint32_t step = 1; step <= cutoff; ++step) {
    const MachineEntry& e = m.entries[state * k + read(row, col)];
    if (!e.defined) throw Error("simulate_naive_2d: machine has an undefined entry");
    grid[{row, col}] = e.write;
    if (e.halt) {
      if (steps_out) *steps_out = step;
      std::string out;
      for (long r = top; r <= bottom; ++r) {
        if (r != top) out += '-';
        for (long c = left; c <= right; ++c) out += symbol_char(read(r, c));
      }
      return out;
    }
    switch (e.move) {  // 0 up, 1 down, 2 left, 3 right
      case 0: --row; break;
      case 1: ++row; break;
      case 2: --col; break;
      default: ++col; break;
    }
    top = std::min(top, row);
    bottom = std::max(bottom, row);
    left = std::min(left, col);
    right = std::max(right, col);
    state = e.next;
  }
  return std::nullopt;
}

MachineEntry decode_entry_option(const Space& space, int r) {
  const int k = space.symbols, n = space.states, moves = space.dims == 2 ? 4 : 2;
  MachineEntry e;
  e.defined = true;
  if (r < k) { e.halt = true; e.write = r; return e; }
  r -= k;
  e.write = r % k;
  r /= k;
  e.move = r % moves;
  e.next = (r / moves) % n;
  return e;
}

Machine decode_machine_digits(const Space& space, count_t number) {
  const count_t base = static_cast<count_t>(space.options_per_entry());
  Machine m{space, std::vector<MachineEntry>(space.entries())};
  for (auto& e : m.entries) {
    e = decode_entry_option(space, static_cast<int>(number % base));
    number /= base;
  }
  return m;
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
    const Machine m = space.dims == 2 ? decode_machine_digits(space, i) : decode_machine_number(space, i);
    for (int b = 0; b < space.symbols; ++b) {
      uint32_t steps = 0;
      auto out = space.dims == 2 ? simulate_naive_2d(m, b, cutoff, &steps) : simulate_naive(m, b, cutoff, &steps);
      if (out) {
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
