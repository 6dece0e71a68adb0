// Backward reasoning (kernels/core/backward.hpp, docs/deciders.md "backward") against a plain
// simulator: every partial machine of (2,2) and samples of (3,2) and (2,3) that it refutes runs 10^5
// steps without reading an undefined entry; the node verdict a child inherits is the child's own
// verdict; named machines pin the start rule and the late halters. Its claims inside the walk are
// checked by tests/test_deciders.cpp (expect_claims_sound) and its tables by the table tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/backward.hpp"
#include "machine_testing.hpp"

namespace ctm {
namespace {

using test_support::partial_from_text;
using test_support::steps_before_undefined;

constexpr uint32_t kCheckSteps = 100000;

BackwardVerdict refute_all(const PartialMachine& m) { return backward_search(m, m.defined, undefined_entries(m), 0); }

// The partial machine whose entry e is `code[e]`: 0 undefined, else 1 + (write, move, next) packed.
PartialMachine machine_of(int n, int k, const std::vector<int>& code) {
  PartialMachine m{};
  m.n = static_cast<uint8_t>(n);
  m.k = static_cast<uint8_t>(k);
  m.used_states = 1;
  for (int e = 0; e < n * k; ++e) {
    if (code[e] == 0) continue;
    const int t = code[e] - 1;
    define_entry(m, e, Transition{static_cast<uint8_t>(t % k), static_cast<uint8_t>(t / k % 2), static_cast<uint8_t>(t / (2 * k)), 0});
  }
  return m;
}

// For machine m: a refutation must hold for 10^5 steps, and for every undefined entry e and every
// transition t the search would not take, m + t must be refuted on its own (the walk settles such
// children from m's verdict without a search of their own). Counts what it saw.
struct Seen {
  uint64_t machines = 0, refuted = 0, inherited = 0;
};
void check_machine(const PartialMachine& m, Seen& seen) {
  ++seen.machines;
  const int n = m.n, k = m.k;
  if (refute_all(m).refuted) {
    ++seen.refuted;
    EXPECT_EQ(steps_before_undefined(m, kCheckSteps), kCheckSteps) << to_standard_text(m) << " refuted but reads an undefined entry";
  }
  for (uint32_t open = undefined_entries(m); open; open &= open - 1) {
    const int e = lowest_bit(open);
    const BackwardVerdict v = backward_for_children(m, e, 0);
    if (!v.refuted) continue;
    for (int w = 0; w < k; ++w)
      for (int mv = 0; mv < 2; ++mv)
        for (int q = 0; q < n; ++q) {
          if (!v.unchanged_by(w, mv, q, k)) continue;
          PartialMachine c = m;
          define_entry(c, e, Transition{static_cast<uint8_t>(w), static_cast<uint8_t>(mv), static_cast<uint8_t>(q), 0});
          ++seen.inherited;
          EXPECT_TRUE(refute_all(c).refuted) << to_standard_text(c) << " inherits a refutation its own search does not make";
        }
  }
}

TEST(Backward, EveryRefutationIn22HoldsAndIsInherited) {
  // Every partial machine of (2,2): each entry undefined or one of 8 transitions, 9^4 in all.
  Seen seen;
  std::vector<int> code(4, 0);
  for (int x = 0; x < 9 * 9 * 9 * 9; ++x) {
    for (int e = 0, y = x; e < 4; ++e, y /= 9) code[e] = y % 9;
    check_machine(machine_of(2, 2, code), seen);
  }
  std::printf("(2,2): %llu machines, %llu refuted, %llu inherited refutations checked\n", (unsigned long long)seen.machines,
              (unsigned long long)seen.refuted, (unsigned long long)seen.inherited);
  EXPECT_GT(seen.refuted, 100u);
  EXPECT_GT(seen.inherited, 100u);
}

TEST(Backward, RefutationsInSamplesOf32And23Hold) {
  for (const auto& [n, k] : {std::pair{3, 2}, std::pair{2, 3}}) {
    SCOPED_TRACE("(" + std::to_string(n) + "," + std::to_string(k) + ")");
    Seen seen;
    const int options = 2 * k * n + 1;
    uint64_t x = 0x9e3779b97f4a7c15ull;  // a fixed sequence (xorshift), the same on every run
    std::vector<int> code(n * k, 0);
    for (int i = 0; i < 5000; ++i) {
      for (int e = 0; e < n * k; ++e) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        code[e] = static_cast<int>(x % static_cast<uint64_t>(options));
      }
      check_machine(machine_of(n, k, code), seen);
    }
    std::printf("(%d,%d): %llu machines, %llu refuted, %llu inherited refutations checked\n", n, k,
                (unsigned long long)seen.machines, (unsigned long long)seen.refuted, (unsigned long long)seen.inherited);
    EXPECT_GT(seen.refuted, 500u);
    EXPECT_GT(seen.inherited, 1000u);
  }
}

// A0 -> 0RB, B0 -> 0LA: the head rocks between two blank cells and never meets a 1. Reading A1 or
// B1 needs a step into A or B whose other side holds the 1, which the rocking never leaves.
TEST(Backward, RefutesAMachineThatNeverWritesTheSymbolItWouldRead) {
  const PartialMachine m = partial_from_text("0RB---_0LA---", 2);
  EXPECT_TRUE(refute_all(m).refuted);
  EXPECT_EQ(steps_before_undefined(m, kCheckSteps), kCheckSteps);
}

// A0 -> 1RB, nothing else: the run reads B0 at step 1. Its only chain of predecessors dies (no
// transition goes to A), but it ends in the start configuration (A on blank tape), so it stays open;
// without the start rule this machine would be refuted.
TEST(Backward, AChainThatReachesTheBlankStartStaysOpen) {
  const PartialMachine m = partial_from_text("1RB---_------", 2);
  EXPECT_EQ(steps_before_undefined(m, 10), 1u);
  EXPECT_FALSE(refute_all(m).refuted);
}

// Champions of the Busy Beaver game with their halting entry undefined read it after 6, 21, 107 and
// 47,176,870 steps: every chain is longer than the search depth, so none may be refuted.
TEST(Backward, LateHaltersAreNotRefuted) {
  for (const char* text : {"1RB1LB_1LA---", "1RB---_1LB0RC_1LC1LA", "1RB1LB_1LA0LC_---1LD_1RD0RA",
                           "1RB1LC_1RC1RB_1RD0LE_1LA1LD_---0LA"}) {
    SCOPED_TRACE(text);
    const PartialMachine m = partial_from_text(text, 2);
    EXPECT_FALSE(refute_all(m).refuted);
    for (uint32_t open = undefined_entries(m); open; open &= open - 1)
      EXPECT_FALSE(backward_search(m, m.defined, 1u << lowest_bit(open), 0).refuted);
  }
}

}  // namespace
}  // namespace ctm
