// ngram_proof (kernels/core/ngram.hpp, the worklist over bit rows) against a plain reference written
// here from the rules of docs/deciders.md ("ngram-cps"): the same verdict on the nodes of the trees
// of (2,2), (3,2), (2,3), (4,2) and on random partial machines of (5,2), (6,2), (3,3), at every
// window length the engine allows and every blank symbol; a longer window never loses a proof.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "core/tm.hpp"
#include "ctm/machine.hpp"

namespace ctm {
namespace {

// The reference: windows as explicit cell lists (cell 0 next to the head), the configurations
// reachable with the two window sets held fixed found by a plain depth-first search, and the sets
// grown by the windows those configurations create, until the sets stop growing. Every round only
// adds what the rules derive from configurations already derived, and the last round is closed
// under the rules, so this is the least fixed point; the proof fails iff it holds a configuration
// whose entry is undefined.
struct Reference {
  int n, k, len;
  uint32_t windows;  // k^len
  using Cells = std::array<int, kNgramMaxWindow + 1>;

  Cells cells(uint32_t v) const {
    Cells c{};
    for (int i = 0; i < len; ++i, v /= k) c[i] = static_cast<int>(v % k);
    return c;
  }
  uint32_t window(const Cells& c) const {
    uint32_t v = 0;
    for (int i = len - 1; i >= 0; --i) v = v * k + c[i];
    return v;
  }
  // The window `first` followed by the first len-1 cells of `rest`.
  uint32_t prefixed(int first, const Cells& rest) const {
    Cells c{};
    c[0] = first;
    for (int i = 1; i < len; ++i) c[i] = rest[i - 1];
    return window(c);
  }
  // Cells 1..len-1 of `c` followed by `last`.
  uint32_t shifted(const Cells& c, int last) const {
    Cells d{};
    for (int i = 0; i + 1 < len; ++i) d[i] = c[i + 1];
    d[len - 1] = last;
    return window(d);
  }

  bool proof(const PartialMachine& m, int blank) const {
    std::vector<char> left(windows, 0), right(windows, 0), seen;
    Cells blanks{};
    blanks.fill(blank);
    const uint32_t blank_window = window(blanks);
    left[blank_window] = right[blank_window] = 1;
    auto id = [&](int q, uint32_t lw, uint32_t rw) { return (static_cast<size_t>(q) * windows + lw) * windows + rw; };
    std::vector<size_t> stack;
    for (;;) {
      seen.assign(static_cast<size_t>(n) * windows * windows, 0);
      std::vector<char> next_left = left, next_right = right;
      stack.assign(1, id(0, blank_window, blank_window));
      seen[stack.back()] = 1;
      while (!stack.empty()) {
        const size_t c = stack.back();
        stack.pop_back();
        const int q = static_cast<int>(c / windows / windows);
        const Cells l = cells(static_cast<uint32_t>(c / windows % windows));
        const Cells r = cells(static_cast<uint32_t>(c % windows));
        const int e = q * k + r[0];
        if (!is_defined(m, e)) return false;
        const Transition t = m.entry[e];
        auto visit = [&](uint32_t lw, uint32_t rw) {
          const size_t d = id(t.next, lw, rw);
          if (!seen[d]) { seen[d] = 1; stack.push_back(d); }
        };
        if (t.move == kRight) {
          // Left half-tape: w, l0, l1, ...; right half-tape: r1, r2, ..., then any cell x.
          const uint32_t nl = prefixed(t.write, l);
          next_left[nl] = 1;
          for (int x = 0; x < k; ++x)
            if (right[shifted(r, x)]) visit(nl, shifted(r, x));
        } else {
          // Right half-tape: l0, w, r1, r2, ...; left half-tape: l1, l2, ..., then any cell x.
          Cells moved = r;
          moved[0] = t.write;  // w, r1, r2, ...
          const uint32_t nr = prefixed(l[0], moved);
          next_right[window(moved)] = next_right[nr] = 1;
          for (int x = 0; x < k; ++x)
            if (left[shifted(l, x)]) visit(shifted(l, x), nr);
        }
      }
      if (next_left == left && next_right == right) return true;
      left.swap(next_left);
      right.swap(next_right);
    }
  }
};

// The reference verdict, with the engine's limits on the window (ngram_window's bitset).
bool reference_proof(const PartialMachine& m, int len, int blank) {
  uint64_t windows = 1;
  for (int i = 0; i < len; ++i) windows *= m.k;
  if (len < 1 || windows > 64 || m.n * windows * windows > 64u * kNgramMaxConfigWords) return false;
  return Reference{m.n, m.k, len, static_cast<uint32_t>(windows)}.proof(m, blank);
}

struct Tally {
  uint64_t calls = 0, proved = 0, mismatches = 0, lost = 0;
};

// Compares both at every window length 1..ngram_window(n, k) (and one beyond, which both refuse).
// Also checks that a longer window never loses a proof (docs/deciders.md, "Window length").
void compare(const PartialMachine& m, int blank, Tally& tally) {
  bool shorter = false;
  for (int len = 1; len <= ngram_window(m.n, m.k) + 1; ++len) {
    const bool fast = ngram_proof(m, len, static_cast<uint8_t>(blank));
    const bool plain = reference_proof(m, len, blank);
    ++tally.calls;
    tally.proved += fast;
    if (fast != plain && tally.mismatches++ < 5)
      ADD_FAILURE() << to_standard_text(m) << " window " << len << " blank " << blank << ": ngram_proof says "
                    << fast << ", the reference " << plain;
    if (len <= ngram_window(m.n, m.k)) {
      if (shorter && !fast && tally.lost++ < 5)
        ADD_FAILURE() << to_standard_text(m) << " blank " << blank << ": proved with window " << len - 1 << ", not " << len;
      shorter = fast;
    }
  }
}

// Every node of the tree of partial machines (each child resumes its parent's run, as
// walk_subtree does; no filter but the cutoff stops a run, so every node that branches is expanded).
uint64_t for_each_node(int n, int k, uint32_t cutoff, const std::function<void(const PartialMachine&)>& visit) {
  const size_t width = 2 * static_cast<size_t>(cutoff) + 5;
  std::vector<uint8_t> scratch(3 * width, 0);
  const ProofScratch ps{scratch.data(), scratch.data() + width, scratch.data() + 2 * width, static_cast<int32_t>(width)};
  uint64_t nodes = 0;
  std::function<void(const PartialMachine&, const RunState&, const std::vector<uint8_t>&)> expand =
      [&](const PartialMachine& m, const RunState& r, const std::vector<uint8_t>& cells) {
        const int e = r.state * k + cells[r.head + cutoff + 2];
        const int choices = m.used_states < n ? m.used_states + 1 : n;
        for (int w = 0; w < k; ++w)
          for (int mv = 0; mv < 2; ++mv)
            for (int nx = 0; nx < choices; ++nx) {
              PartialMachine c = m;
              define_entry(c, e, Transition{static_cast<uint8_t>(w), static_cast<uint8_t>(mv), static_cast<uint8_t>(nx), 0});
              ++nodes;
              visit(c);
              std::vector<uint8_t> t = cells;
              RunState cr = r;
              uint8_t* tape = t.data() + cutoff + 2;
              apply_transition(c.entry[e], cr, tape, 0);
              if (run_until_branch(c, cr, tape, cutoff, 0, ps, 0) == StopReason::kUndefined && c.defined_count < n * k)
                expand(c, cr, t);
            }
      };
  PartialMachine root{};
  root.n = static_cast<uint8_t>(n);
  root.k = static_cast<uint8_t>(k);
  root.used_states = 1;
  expand(root, RunState{0, 0, 0, 0, 0, 0}, std::vector<uint8_t>(width, 0));
  return nodes;
}

struct TreeCase { int n, k; uint32_t cutoff, stride; uint64_t min_proved; };

// Compares at every `stride`-th node of each tree, blank 0 (the walk's).
void expect_same_verdict_on_trees(std::initializer_list<TreeCase> cases) {
  for (const TreeCase& c : cases) {
    SCOPED_TRACE("(" + std::to_string(c.n) + "," + std::to_string(c.k) + ")");
    Tally tally;
    uint64_t seen = 0;
    const uint64_t nodes = for_each_node(c.n, c.k, c.cutoff, [&](const PartialMachine& m) {
      if (seen++ % c.stride == 0) compare(m, 0, tally);
    });
    std::printf("(%d,%d) T=%u: %llu nodes, every %u-th compared: %llu calls, %llu proved\n", c.n, c.k, c.cutoff,
                (unsigned long long)nodes, c.stride, (unsigned long long)tally.calls, (unsigned long long)tally.proved);
    EXPECT_EQ(tally.mismatches, 0u);
    EXPECT_EQ(tally.lost, 0u);
    EXPECT_GE(tally.proved, c.min_proved);  // both verdicts occur in numbers
    EXPECT_GE(tally.calls - tally.proved, c.min_proved);
  }
}

TEST(Ngram, SameVerdictAsTheReferenceOnEveryTreeNode) {
  expect_same_verdict_on_trees({TreeCase{2, 2, 500, 1, 10}, TreeCase{3, 2, 500, 1, 100}, TreeCase{2, 3, 500, 1, 100}});
}

// (4,2) at its cutoff 107: every 32nd of its ~8 M nodes in the suite; the whole tree (a few minutes)
// with --gtest_also_run_disabled_tests.
TEST(Ngram, SameVerdictAsTheReferenceOnTheTreeOf42) {
  expect_same_verdict_on_trees({TreeCase{4, 2, 107, 32, 10000}});
}
TEST(Ngram, DISABLED_SameVerdictAsTheReferenceOnEveryNodeOf42) {
  expect_same_verdict_on_trees({TreeCase{4, 2, 107, 1, 100000}});
}

// Random partial machines: each entry defined with probability 7/8 (so that both verdicts are
// common), random write, move and next state; every blank symbol.
TEST(Ngram, SameVerdictAsTheReferenceOnRandomMachines) {
  struct Case { int n, k, machines; };
  std::mt19937_64 rng(20261201);
  for (const Case c : {Case{5, 2, 120000}, Case{6, 2, 100000}, Case{3, 3, 100000}}) {
    SCOPED_TRACE("(" + std::to_string(c.n) + "," + std::to_string(c.k) + ")");
    Tally tally;
    for (int i = 0; i < c.machines; ++i) {
      PartialMachine m{};
      m.n = static_cast<uint8_t>(c.n);
      m.k = static_cast<uint8_t>(c.k);
      m.used_states = 1;
      for (int e = 0; e < c.n * c.k; ++e)
        if (rng() % 8 != 0)
          define_entry(m, e, Transition{static_cast<uint8_t>(rng() % c.k), static_cast<uint8_t>(rng() % 2),
                                        static_cast<uint8_t>(rng() % c.n), 0});
      compare(m, static_cast<int>(rng() % c.k), tally);
    }
    std::printf("(%d,%d): %d machines, %llu calls, %llu proved\n", c.n, c.k, c.machines,
                (unsigned long long)tally.calls, (unsigned long long)tally.proved);
    EXPECT_EQ(tally.mismatches, 0u);
    EXPECT_EQ(tally.lost, 0u);
    EXPECT_GE(tally.proved, static_cast<uint64_t>(c.machines) / 20);
    EXPECT_GE(tally.calls - tally.proved, static_cast<uint64_t>(c.machines) / 20);
  }
}

}  // namespace
}  // namespace ctm
