// Machine numbering and the standard text format (see include/ctm/machine.hpp).
#include <cctype>

#include "ctm/machine.hpp"

#include "core/tm.hpp"

namespace ctm {

Machine decode_machine_number(const Space& space, count_t number) {
  space.validate();
  const int n = space.states, k = space.symbols;
  const count_t base = static_cast<count_t>(space.options_per_entry());
  if (number >= space.machine_count())
    throw Error("machine number " + to_string(number) + " out of range for space " + space.name());
  Machine m{space, std::vector<MachineEntry>(n * k)};
  for (int q = n - 1; q >= 0; --q) {
    for (int s = 0; s < k; ++s) {
      int r = static_cast<int>(number % base);
      number /= base;
      MachineEntry& e = m.entries[q * k + s];
      e.defined = true;
      if (r < k) { e.halt = true; e.write = r; continue; }
      r -= k;
      e.write = r % k;
      r /= k;
      e.move = (r % 2 == 0) ? kRight : kLeft;
      r /= 2;
      e.next = r % n;
    }
  }
  return m;
}

static std::string entry_text(const MachineEntry& e) {
  if (!e.defined) return "---";
  std::string s;
  s += symbol_char(e.write);
  s += e.halt ? 'R' : (e.move == kRight ? 'R' : 'L');
  s += e.halt ? 'Z' : static_cast<char>('A' + e.next);
  return s;
}

std::string to_standard_text(const Machine& m) {
  std::string out;
  for (int q = 0; q < m.space.states; ++q) {
    if (q) out += '_';
    for (int s = 0; s < m.space.symbols; ++s) out += entry_text(m.entries[q * m.space.symbols + s]);
  }
  return out;
}

std::string to_standard_text(const PartialMachine& pm, int halt_entry, int halt_write) {
  Machine m{Space{pm.n, pm.k, 1}, std::vector<MachineEntry>(pm.n * pm.k)};
  for (int e = 0; e < pm.n * pm.k; ++e) {
    if (e == halt_entry) { m.entries[e] = MachineEntry{true, true, halt_write, kRight, 0}; continue; }
    if (!is_defined(pm, e)) continue;
    m.entries[e] = MachineEntry{true, false, pm.entry[e].write, pm.entry[e].move, pm.entry[e].next};
  }
  return to_standard_text(m);
}

Machine parse_standard_text(const std::string& text, int symbols) {
  std::vector<std::string> states(1);
  for (char c : text) {
    if (c == '_') states.emplace_back();
    else states.back() += c;
  }
  const int n = static_cast<int>(states.size());
  Machine m{Space{n, symbols, 1}, std::vector<MachineEntry>(n * symbols)};
  m.space.validate();
  for (int q = 0; q < n; ++q) {
    if (states[q].size() != static_cast<size_t>(3 * symbols))
      throw Error("machine '" + text + "': state " + std::string(1, char('A' + q)) + " needs " +
                  std::to_string(symbols) + " entries of 3 characters");
    for (int s = 0; s < symbols; ++s) {
      const std::string t = states[q].substr(3 * s, 3);
      MachineEntry& e = m.entries[q * symbols + s];
      if (t == "---") continue;
      const int w = symbol_value(t[0]);
      const char mv = t[1], nx = t[2];
      if (w < 0 || w >= symbols || (mv != 'L' && mv != 'R'))
        throw Error("machine '" + text + "': bad entry '" + t + "'");
      e.defined = true;
      e.write = w;
      e.move = mv == 'R' ? kRight : kLeft;
      if (nx == 'Z' || nx == 'H') { e.halt = true; continue; }
      e.next = nx - 'A';
      if (e.next < 0 || e.next >= n) throw Error("machine '" + text + "': bad next state in '" + t + "'");
    }
  }
  return m;
}

}  // namespace ctm
