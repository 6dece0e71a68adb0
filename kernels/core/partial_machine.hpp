// Partial machines (spec sections 1-2): the transitions read so far, the others undefined, and the
// static facts about them that the proofs use (reachable states, the escape chain). CTM_HD.
#pragma once
#include <cstdint>
#include <cstring>

#include "core/hd.hpp"
#include "ctm/types.hpp"  // Move

namespace ctm {

constexpr int kMaxStates = 16;   // n
constexpr int kMaxSymbols = 16;  // k
constexpr int kMaxEntries = 16;  // n*k table entries (issue: n*k <= 16)

// One running transition of a partial machine. Halting entries are never stored in an internal node
// of the tree: a halting entry ends the run the first time it is read, so it only appears at leaves.
struct Transition {
  uint8_t write;
  uint8_t move;  // Move
  uint8_t next;  // 0-based state, 0 = initial
  uint8_t pad;
};

static_assert(sizeof(Transition) == 4, "a Transition is one 32-bit word");

// The transition as one little-endian word: write | move << 8 | next << 16 | pad << 24.
CTM_HD uint32_t transition_word(const Transition& t) {
#if defined(__CUDA_ARCH__)
  return t.write | static_cast<uint32_t>(t.move) << 8 | static_cast<uint32_t>(t.next) << 16 |
         static_cast<uint32_t>(t.pad) << 24;
#else
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "transition_word reads the bytes in place");
  uint32_t w;
  std::memcpy(&w, &t, sizeof w);
  return w;
#endif
}

// An entry packed for a run loop: write | move << 8 | next << 16 | next * k << 24 (the row of the
// next state, so that a step needs no multiplication). pack_code marks the undefined entries.
CTM_HD uint32_t run_code(const Transition& t, int k) {
  const uint32_t word = transition_word(t);
  return (word & 0x00ffffffu) | (((word >> 16) & 0xffu) * static_cast<uint32_t>(k)) << 24;
}

// A partial machine: the entries read so far (all running), the others undefined.
struct PartialMachine {
  uint8_t n, k;
  uint8_t used_states;  // states 0..used_states-1 have appeared (state relabelling, spec 2)
  uint8_t defined_count;
  uint32_t defined;  // bit e set <=> entry e = state*k + symbol is defined
  Transition entry[kMaxEntries];
  uint16_t successors[kMaxStates];  // bit q' of successors[q]: a defined entry of q goes to q'
};

// Index of the lowest set bit of a non-zero word.
CTM_HD int lowest_bit(uint32_t x) {
#if defined(__CUDA_ARCH__)
  return __ffs(static_cast<int>(x)) - 1;
#else
  return __builtin_ctz(x);
#endif
}

CTM_HD int entry_index(const PartialMachine& m, int state, int symbol) { return state * m.k + symbol; }
CTM_HD bool is_defined(const PartialMachine& m, int e) { return (m.defined >> e) & 1u; }

// Entry e of state `state` (e = state * k + symbol): the walk knows the state, and a division by k
// on every child is measurable.
CTM_HD void define_entry(PartialMachine& m, int e, int state, Transition t) {
  m.entry[e] = t;
  m.defined |= 1u << e;
  m.defined_count++;
  m.successors[state] |= static_cast<uint16_t>(1u << t.next);
  if (t.next >= m.used_states) m.used_states = t.next + 1;
}
CTM_HD void define_entry(PartialMachine& m, int e, Transition t) { define_entry(m, e, e / m.k, t); }

// The transitions of `m` packed for a run loop, indexed by entry: run_code for a defined entry,
// next = 0xff (kUndefinedCode) for an undefined one.
constexpr uint32_t kUndefinedCode = 0x00ff0000u;
CTM_HD void pack_code(const PartialMachine& m, uint32_t* code) {
  for (int e = 0; e < m.n * m.k; ++e) code[e] = ((m.defined >> e) & 1u) ? run_code(m.entry[e], m.k) : kUndefinedCode;
}

// The undefined entries of m, as a bitmask over entries.
CTM_HD uint32_t undefined_entries(const PartialMachine& m) {
  const uint32_t all = m.n * m.k >= 32 ? 0xffffffffu : ((1u << (m.n * m.k)) - 1u);
  return all & ~m.defined;
}

// States that still have an undefined entry, as a bitmask over states (only these can lead to a halt).
CTM_HD uint32_t states_with_undefined(const PartialMachine& m) {
  if (m.k == 2) {
    // Pairs of entry bits: a state is open when either of its two is clear; gather the pairs' bits.
    uint32_t x = ~(m.defined & (m.defined >> 1)) & 0x55555555u;
    x = (x | (x >> 1)) & 0x33333333u;
    x = (x | (x >> 2)) & 0x0f0f0f0fu;
    x = (x | (x >> 4)) & 0x00ff00ffu;
    x = (x | (x >> 8)) & 0x0000ffffu;
    return x & ((1u << m.n) - 1u);
  }
  uint32_t out = 0;
  const uint32_t full = (m.k >= 32) ? 0xffffffffu : ((1u << m.k) - 1u);
  for (int q = 0; q < m.n; ++q)
    if (((m.defined >> (q * m.k)) & full) != full) out |= 1u << q;
  return out;
}

// The states reachable from `from` through defined transitions (`from` included), as a bitmask;
// with `stop_at`, the search ends as soon as it has found one of those (the set is then partial).
CTM_HD uint32_t reachable_from(const PartialMachine& m, int from, uint32_t stop_at = 0) {
  uint32_t reach = 1u << from, todo = reach;
  while (todo && !(reach & stop_at)) {
    const int q = lowest_bit(todo);
    todo &= todo - 1;
    const uint32_t fresh = m.successors[q] & ~reach;
    reach |= fresh;
    todo |= fresh;
  }
  return reach;
}

// Whether a state of `targets` (a bitmask) is reachable from `from` through defined transitions
// (`from` included). Stops at the first one found: most calls find one within a state or two.
CTM_HD bool reaches_any(const PartialMachine& m, int from, uint32_t targets) {
  return (reachable_from(m, from, targets) & targets) != 0;
}

// Escape test (spec 2, "an escape into blank tape in a cycle of states"): a head standing on
// never-visited (blank) tape in state q, having just moved in direction dir, provably runs forever
// when following the (state, blank) transitions, all defined and all moving in dir, returns to a
// state already seen: it only ever reads fresh blank cells.
CTM_HD bool escapes(const PartialMachine& m, int q, int dir, uint8_t blank) {
  uint32_t seen = 0;
  for (;;) {
    if ((seen >> q) & 1u) return true;
    seen |= 1u << q;
    const int e = q * m.k + blank;
    if (!is_defined(m, e) || m.entry[e].move != dir) return false;
    q = m.entry[e].next;
  }
}

// escapes() for every state at once: bit q of esc[dir] when escapes(m, q, dir, blank). With a
// `target` state whose blank entry is undefined, bit q of to_target[dir] when the blank chain from q
// in direction dir stops at that entry (q = target included): defining it as a transition t that
// moves dir then makes those states escape exactly when t.next escapes or leads back to them
// (escape_sets_with, the walk's children).
struct EscapeSets {
  uint32_t esc[2];
  uint32_t to_target[2];
};
CTM_HD EscapeSets escape_sets(const PartialMachine& m, uint8_t blank, int target = -1) {
  EscapeSets s{{0, 0}, {0, 0}};
  for (int dir = 0; dir < 2; ++dir)
    for (int q0 = 0; q0 < m.n; ++q0) {
      uint32_t seen = 0;
      for (int q = q0;;) {
        if ((seen >> q) & 1u) { s.esc[dir] |= 1u << q0; break; }
        seen |= 1u << q;
        const int e = q * m.k + blank;
        if (!is_defined(m, e)) {
          if (q == target) s.to_target[dir] |= 1u << q0;
          break;
        }
        if (m.entry[e].move != dir) break;
        q = m.entry[e].next;
      }
    }
  return s;
}
// The escape sets once the undefined blank entry of state `target` is defined as t, from the sets
// of the machine before (escape_sets with that target): the chains that stopped there go on through t.
CTM_HD void escape_sets_with(const EscapeSets& before, Transition t, uint32_t esc[2]) {
  for (int dir = 0; dir < 2; ++dir) {
    const uint32_t on = before.esc[dir] | before.to_target[dir];
    const bool through = t.move == dir && ((on >> t.next) & 1u);
    esc[dir] = before.esc[dir] | (through ? before.to_target[dir] : 0u);
  }
}

}  // namespace ctm
