// The sound non-halting filters of tm.hpp (docs/deciders.md) checked against an independent
// simulator: every partial machine a filter claims in small trees must run 10^5 steps without
// reading an undefined entry; named machines pin each filter's stop reason and step; tables with
// and without the n-gram proof are identical but for the proved / cut-off split.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <algorithm>
#include <functional>
#include <vector>

#include "ctm/enumerate.hpp"
#include "ctm/machine.hpp"
#include "core/deciders.hpp"
#include "core/geometry.hpp"
#include "core/tm.hpp"
#include "core/tree_walk.hpp"
#include "ctm/table_io.hpp"
#include "machine_testing.hpp"
#include "table_testing.hpp"

namespace ctm {
namespace {

using test_support::partial_from_text;
using test_support::steps_before_undefined;

// Runs a whole partial machine from blank with run_until_branch (the walk's own call).
struct Verdict {
  StopReason stop;
  uint8_t proof;
  uint32_t steps;
};
Verdict run_from_blank(const PartialMachine& m, uint32_t cutoff, uint32_t ngram_after, uint8_t state = 0,
                       uint32_t bouncer_after = 0) {
  std::vector<uint8_t> cells(2 * static_cast<size_t>(cutoff) + 5, 0), scratch(3 * cells.size(), 0);
  uint8_t* tape = cells.data() + cutoff + 2;
  const ProofScratch ps{scratch.data(), scratch.data() + cells.size(), scratch.data() + 2 * cells.size(),
                        static_cast<int32_t>(cells.size())};
  RunState r{0, 0, 0, 0, state, 0};
  const StopReason stop = run_until_branch(m, r, tape, cutoff, 0, ps, ngram_after, kNgramLong, bouncer_after);
  return Verdict{stop, r.proof, r.steps};
}

// The tree of partial machines below the root, walked as walk_subtree() walks it (each child resumes
// its parent's run and record test through the walk's own Tape1d::run_child), without the mirror
// restriction at the root.
// `claim` sees every child a filter proved; `node` every partial machine (children included);
// `branch` (optional) every child whose run stopped at an undefined entry, with its run.
struct TreeStats {
  uint64_t nodes = 0, claimed = 0, ngram_nodes = 0;
  uint64_t by_proof[kProofCount] = {};
};
void walk_tree(int n, int k, uint32_t cutoff, uint32_t ngram_after,
               const std::function<void(const PartialMachine&, uint8_t)>& claim,
               const std::function<void(const PartialMachine&)>& node, TreeStats& st,
               uint32_t bouncer_after = kBouncerAfter,
               const std::function<void(const PartialMachine&, const RunState&)>& branch = nullptr) {
  const size_t width = 2 * static_cast<size_t>(cutoff) + 5;
  std::vector<uint8_t> scratch(3 * width, 0);
  const ProofScratch ps{scratch.data(), scratch.data() + width, scratch.data() + 2 * width, static_cast<int32_t>(width)};
  WalkConfig cfg{n, k, cutoff, nullptr, 0};  // what Tape1d::run_child reads: cutoff and the proofs' schedule
  cfg.ngram_after = ngram_after;
  cfg.ngram_long = kNgramLong;
  cfg.bouncer_after = bouncer_after;
  std::function<void(const PartialMachine&, const RunState&, const std::vector<uint8_t>&, const RunCarry&)> expand =
      [&](const PartialMachine& m, const RunState& r, const std::vector<uint8_t>& cells, const RunCarry& rec) {
        const int e = r.state * k + cells[r.head + cutoff + 2];
        const int choices = m.used_states < n ? m.used_states + 1 : n;
        // What the node's children share (walk_subtree's enter).
        Tape1d::NodeFacts facts;
        Tape1d::node_facts(m, e, facts);
        for (int w = 0; w < k; ++w)
          for (int mv = 0; mv < 2; ++mv)
            for (int nx = 0; nx < choices; ++nx) {
              PartialMachine c = m;
              define_entry(c, e, Transition{static_cast<uint8_t>(w), static_cast<uint8_t>(mv), static_cast<uint8_t>(nx), 0});
              ++st.nodes;
              node(c);
              std::vector<uint8_t> t = cells;
              RunState cr = r;
              uint8_t* tape = t.data() + cutoff + 2;
              RunCarry crec = rec;
              // As walk_subtree creates a child: settled at its creation, or run; the reachability
              // from the node's reach sets is the same as settled_before_run on the child.
              StopReason stop = StopReason::kProvedNonHalt;
              if (c.defined_count == n * k) {
                cr.proof = kProofComplete;  // walk_subtree settles the children of a last entry at once
              } else {
                cr.proof = Tape1d::settled_at_creation(facts, c.entry[e], k);
                EXPECT_EQ(cr.proof == kProofReach, settled_before_run(c, nx) == kProofReach) << to_standard_text(c);
              }
              if (cr.proof == kProofNone) {
                stop = Tape1d::run_child(c, cr, tape, e, facts, cfg, ps, crec);
                // The child's escape sets, derived from the node's, are the child's own.
                const EscapeSets own = escape_sets(c, 0);
                for (int d = 0; d < 2; ++d) {
                  EXPECT_EQ(crec.escape[d], own.esc[d]) << to_standard_text(c) << " dir " << d;
                  for (int q = 0; q < n; ++q)
                    EXPECT_EQ(((own.esc[d] >> q) & 1u) != 0, escapes(c, q, d, 0)) << to_standard_text(c) << " q " << q;
                }
              }
              if (stop == StopReason::kProvedNonHalt) {
                ++st.claimed;
                ++st.by_proof[cr.proof];
                claim(c, cr.proof);
              } else if (stop == StopReason::kUndefined && c.defined_count < n * k) {
                if (branch) branch(c, cr);
                expand(c, cr, t, crec);
              }
            }
      };
  PartialMachine root{};
  root.n = static_cast<uint8_t>(n);
  root.k = static_cast<uint8_t>(k);
  root.used_states = 1;
  RunCarry rec;
  rec.reset(root, 0, false);
  expand(root, RunState{0, 0, 0, 0, 0, 0}, std::vector<uint8_t>(width, 0), rec);
}

constexpr uint32_t kCheckSteps = 100000;

// What expect_claims_sound walks and how long it checks each claim (a claim runs that many steps
// without reading an undefined entry; 0: checked by another test).
struct Soundness {
  int n, k;
  uint32_t cutoff;
  uint32_t ngram_after = 0;  // the n-gram proof's schedule (0: off)
  bool every_node = false;   // also every node the n-gram proof accepts on its own (check_steps)
  uint32_t check_steps = kCheckSteps;     // claims of the n-gram and bouncer proofs
  uint32_t other_steps = kCheckSteps;     // claims of the run-based filters (cycles, escape, reachability)
  uint32_t backward_steps = kCheckSteps;  // claims of the backward verdict
  uint32_t backward_long_every = 1;       // every this many of those run check_steps instead (0: none)
  uint32_t bouncer_after = kBouncerAfter;
  bool ask_bouncer = false;  // ask bouncer_proof at every child that branches after 16 steps or more
  uint64_t min_ngram_claims = 0, min_bouncer_claims = 0, min_backward_claims = 0;  // exercised
};

// Every claim of every filter on the tree of (n,k) as the walk runs it, checked by a plain run.
// Complete machines (no undefined entry) need no run. With `ask_bouncer` the bouncer proof is also
// asked at every child that branches (its run reads an undefined entry at the next step, so a claim
// there is wrong).
void expect_claims_sound(const Soundness& o) {
  const int n = o.n, k = o.k;
  SCOPED_TRACE("space (" + std::to_string(n) + "," + std::to_string(k) + ") T=" + std::to_string(o.cutoff));
  TreeStats st;
  uint64_t bad = 0, checked = 0, bouncer_asked = 0, backward_claims = 0;
  bool node_checked = false;  // the last node was already run by the ngram_proof check
  const int window = ngram_window(n, k);
  auto check = [&](const PartialMachine& m, const char* who, uint32_t steps) {
    if (steps == 0) return;  // checked by another test
    ++checked;
    if (steps_before_undefined(m, steps) != steps && bad++ < 5)
      ADD_FAILURE() << who << " claimed " << to_standard_text(m) << ", which reads an undefined entry";
  };
  walk_tree(
      n, k, o.cutoff, o.ngram_after,
      [&](const PartialMachine& m, uint8_t proof) {
        if (proof == kProofComplete) {
          EXPECT_EQ(m.defined_count, n * k);
          return;
        }
        if (node_checked) return;
        if (proof == kProofBackward) {
          const bool long_run = o.backward_long_every && backward_claims++ % o.backward_long_every == 0;
          check(m, proof_name(proof), long_run ? o.check_steps : o.backward_steps);
          return;
        }
        const bool long_check = proof == kProofNgram || proof == kProofBouncer;
        check(m, proof_name(proof), long_check ? o.check_steps : o.other_steps);
      },
      [&](const PartialMachine& m) {
        node_checked = false;
        if (!o.every_node || m.defined_count == n * k || !ngram_proof(m, window, 0)) return;
        ++st.ngram_nodes;
        node_checked = true;
        check(m, "ngram_proof", o.check_steps);
      },
      st, o.bouncer_after,
      [&](const PartialMachine& m, const RunState& r) {
        if (!o.ask_bouncer || r.steps < 16) return;
        ++bouncer_asked;
        if (bouncer_proof(m, r.steps, 0) && bad++ < 5)
          ADD_FAILURE() << "bouncer_proof claimed " << to_standard_text(m) << " one step before it reads an undefined entry";
      });
  std::printf("(%d,%d) T=%u: %llu nodes, %llu claimed (%llu by ngram, %llu by bouncer, %llu by backward), %llu accepted by "
              "ngram_proof, %llu runs checked, %llu branching runs given to bouncer_proof\n",
              n, k, o.cutoff, (unsigned long long)st.nodes, (unsigned long long)st.claimed,
              (unsigned long long)st.by_proof[kProofNgram], (unsigned long long)st.by_proof[kProofBouncer],
              (unsigned long long)st.by_proof[kProofBackward], (unsigned long long)st.ngram_nodes,
              (unsigned long long)checked, (unsigned long long)bouncer_asked);
  EXPECT_EQ(bad, 0u);
  EXPECT_GT(st.claimed, 0u);
  EXPECT_GE(st.by_proof[kProofNgram], o.min_ngram_claims);  // the filters are exercised
  EXPECT_GE(st.by_proof[kProofBouncer], o.min_bouncer_claims);
  EXPECT_GE(st.by_proof[kProofBackward], o.min_backward_claims);
}

TEST(Deciders, ClaimsInSmallTreesNeverReadAnUndefinedEntry) {
  expect_claims_sound({.n = 2, .k = 2, .cutoff = 500, .ngram_after = 4, .every_node = true, .min_ngram_claims = 1,
                       .min_backward_claims = 1});
  expect_claims_sound({.n = 3, .k = 2, .cutoff = 500, .ngram_after = 4, .every_node = true, .min_ngram_claims = 10,
                       .min_backward_claims = 100});
  expect_claims_sound({.n = 2, .k = 3, .cutoff = 500, .ngram_after = 4, .every_node = true, .min_ngram_claims = 10,
                       .min_backward_claims = 10});
  // With the n-gram proof off, the bouncer proof (tried from step 16) meets every bouncer.
  expect_claims_sound({.n = 3, .k = 2, .cutoff = 500, .other_steps = 1000, .backward_steps = 0, .backward_long_every = 0,
                       .bouncer_after = 16, .ask_bouncer = true, .min_bouncer_claims = 5});
  expect_claims_sound({.n = 2, .k = 3, .cutoff = 500, .other_steps = 1000, .backward_steps = 0, .backward_long_every = 0,
                       .bouncer_after = 16, .ask_bouncer = true, .min_bouncer_claims = 5});
}

// (4,2): every claim of the walk as it runs (n-gram proof after 32 steps): the n-gram claims run
// 10^5 steps, the ~1.2M claims of the older filters (checked against brute force by the table
// tests too) 10^3 steps, the ~241 k of the backward verdict 10^4 steps and every 16th of them 10^5,
// to keep the suite short.
TEST(Deciders, ClaimsInTheTreeOf42NeverReadAnUndefinedEntry) {
  expect_claims_sound({.n = 4, .k = 2, .cutoff = 107, .ngram_after = 32, .other_steps = 1000, .backward_steps = 10000,
                       .backward_long_every = 16, .min_ngram_claims = 100, .min_backward_claims = 100000});
}

// The bouncer proof on the whole tree of (4,2) at T=500, tried early (after 16 steps of a segment)
// and without the n-gram proof, so that it meets every bouncer: each of its claims runs 10^5 steps
// (the other filters' are checked by the test above), and it is asked at every node that branches
// after 16 steps or more (none may be claimed).
TEST(Deciders, BouncerClaimsInTheTreeOf42NeverReadAnUndefinedEntry) {
  expect_claims_sound({.n = 4, .k = 2, .cutoff = 500, .other_steps = 0, .backward_steps = 0, .backward_long_every = 0,
                       .bouncer_after = 16, .ask_bouncer = true, .min_bouncer_claims = 1000});
}

// Champions of the Busy Beaver game with their halting entry left undefined: they bounce for a long
// time and then read it. No filter may claim them; the run stops exactly where the champion halts.
TEST(Deciders, LateHaltersAreNeverClaimed) {
  struct Named { const char* text; uint32_t undefined_at; };
  const Named late[] = {
      {"1RB---_1LB0RC_1LC1LA", 20},                  // BB(3) champion, halts at step 21
      {"1RB1LB_1LA0LC_---1LD_1RD0RA", 106},          // BB(4) champion, halts at step 107
  };
  for (const auto& x : late) {
    SCOPED_TRACE(x.text);
    const PartialMachine m = partial_from_text(x.text, 2);
    EXPECT_FALSE(ngram_proof(m, ngram_window(m.n, 2), 0));
    const Verdict v = run_from_blank(m, 1000, 1);
    EXPECT_EQ(v.stop, StopReason::kUndefined);
    EXPECT_EQ(v.steps, x.undefined_at);
    EXPECT_EQ(steps_before_undefined(m, 1000), x.undefined_at);
  }
  // BB(5) champion (halts at step 47,176,870): a bouncing counter that no filter may claim.
  const PartialMachine bb5 = partial_from_text("1RB1LC_1RC1RB_1RD0LE_1LA1LD_---0LA", 2);
  for (int len = 1; len <= ngram_window(5, 2); ++len) EXPECT_FALSE(ngram_proof(bb5, len, 0)) << "window " << len;
  const Verdict v = run_from_blank(bb5, 100000, 1);
  EXPECT_EQ(v.stop, StopReason::kCutoff);
  EXPECT_EQ(v.steps, 100000u);
}

// The n-gram and bouncer proofs change no count: tables with each on and off (the other off) agree
// in every output, H, the halting times and the number of non-halting runs; it only moves runs from
// cut off to proved. The accounting adds up: every simulated step is in exactly one of the three
// classes.
TEST(Deciders, TablesAreIdenticalWithAndWithoutTheNgramAndBouncerProofs) {
  struct Case { int n, k; uint32_t cutoff; };
  struct Proof { const char* name; int EnumerateOptions::*after; int on; };
  for (const Proof p : {Proof{"ngram-cps", &EnumerateOptions::ngram_after, 4},
                        Proof{"bouncer", &EnumerateOptions::bouncer_after, 16}}) {
    for (const Case c : {Case{3, 2, 500}, Case{2, 3, 500}, Case{4, 2, 107}}) {
      SCOPED_TRACE((Space{c.n, c.k, 1}.name() + " " + p.name));
      EnumerateOptions o;
      o.space = Space{c.n, c.k, 1};
      o.cutoff = c.cutoff;
      o.backend = "cpu";
      o.threads = 2;
      o.ngram_after = 0;
      o.bouncer_after = 0;
      const Table off = enumerate(o);
      o.*p.after = p.on;
      const Table on = enumerate(o);
      test_support::expect_same_outputs(on, off);
      EXPECT_EQ(on.meta.tree_nodes, off.meta.tree_nodes);  // a proof never stops a run that branches
      EXPECT_GT(on.nonhalting_proved, off.nonhalting_proved);
      EXPECT_LT(on.meta.simulated_steps, off.meta.simulated_steps);
      for (const Table* t : {&on, &off}) {
        const RunAccounting& a = t->meta.accounting;
        ASSERT_TRUE(a.recorded);
        EXPECT_EQ(a.steps_branch + a.steps_proved + a.steps_cutoff, t->meta.simulated_steps);
        EXPECT_EQ(a.steps_branch, off.meta.accounting.steps_branch);  // runs that branch are untouched
      }
      EXPECT_EQ(off.meta.accounting.settled.at(p.name), 0u);
      EXPECT_GT(on.meta.accounting.settled.at(p.name), 0u);
      EXPECT_EQ(std::count(on.meta.deciders.begin(), on.meta.deciders.end(), p.name), 1);
      EXPECT_EQ(std::count(off.meta.deciders.begin(), off.meta.deciders.end(), p.name), 0);
    }
  }
}

// The record test's state travels from each node to its children (the child's run continues the
// parent's), and a work item's node rebuilds it by replaying its run from blank. So the proofs, their
// steps and the accounting do not depend on where the tree is cut into work items, and carrying it
// settles translated cyclers in fewer steps than restarting it at every child did.
TEST(Deciders, CarriedRecordTestIsTheSameAtEveryFrontierDepth) {
  EnumerateOptions o;
  o.space = Space{4, 2, 1};
  o.backend = "cpu";
  o.threads = 2;
  o.frontier_depth = 1;
  const Table shallow = enumerate(o);
  for (const int depth : {3, 5}) {
    SCOPED_TRACE("frontier depth " + std::to_string(depth));
    o.frontier_depth = depth;
    const Table deep = enumerate(o);
    test_support::expect_same_outputs(deep, shallow);
    EXPECT_EQ(deep.meta.simulated_steps, shallow.meta.simulated_steps);
    EXPECT_EQ(deep.meta.accounting.steps_proved, shallow.meta.accounting.steps_proved);
    EXPECT_EQ(deep.meta.accounting.settled, shallow.meta.accounting.settled);
  }
  // Restarting the record test at each child (the run of a node from its parent's configuration with
  // a fresh test) needs more steps on this space: D(4,2) took 7.41 M steps before the carry.
  EXPECT_LT(shallow.meta.simulated_steps, 7410000u);
}

// The n-gram proof's default first try: 64 steps of a segment, or a quarter of a smaller cutoff's, so
// that both its tries come before the cutoff. The table records the schedule it ran, and the walk,
// the wavefront and their shards agree on it.
TEST(Deciders, DefaultScheduleFollowsSmallCutoffs) {
  EXPECT_EQ(default_ngram_after(1000), kNgramAfter);
  EXPECT_EQ(default_ngram_after(500), kNgramAfter);
  EXPECT_EQ(default_ngram_after(256), kNgramAfter);
  EXPECT_EQ(default_ngram_after(255), 63u);
  EXPECT_EQ(default_ngram_after(107), 26u);
  EXPECT_EQ(default_ngram_after(21), 5u);
  EXPECT_EQ(default_ngram_after(3), 1u);
  EXPECT_EQ(ProofSchedule::for_cutoff(107).ngram_after, 26u);
  EXPECT_EQ((WalkConfig{4, 2, 107, nullptr, 0}.ngram_after), 26u);
  EnumerateOptions o;
  o.space = Space{4, 2, 1};
  o.backend = "cpu";
  o.threads = 2;
  const Table t = enumerate(o);  // T = 107
  const std::map<std::string, uint32_t> scaled{{"ngram_after", 26}, {"bouncer_after", kBouncerAfter}};
  EXPECT_EQ(t.meta.schedule, scaled);
  o.ngram_after = 64;  // an explicit schedule is kept as given
  const Table t64 = enumerate(o);
  const std::map<std::string, uint32_t> asked{{"ngram_after", 64}, {"bouncer_after", kBouncerAfter}};
  EXPECT_EQ(t64.meta.schedule, asked);
  // Only the split moves: with both tries before T=107 the n-gram proof settles more and fewer
  // steps are cut off; every count is the same.
  EXPECT_GT(t.meta.accounting.settled.at(proof_name(kProofNgram)), t64.meta.accounting.settled.at(proof_name(kProofNgram)));
  EXPECT_LT(t.meta.accounting.steps_cutoff, t64.meta.accounting.steps_cutoff);
  EXPECT_EQ(t.counts, t64.counts);
  EXPECT_EQ(t.halting, t64.halting);
  EXPECT_EQ(t.nonhalting_proved + t.nonhalting_cutoff, t64.nonhalting_proved + t64.nonhalting_cutoff);
}

// Deciders and accounting survive the table file and a merge of shards; files without them still read.
TEST(Deciders, AccountingIsWrittenReadAndMerged) {
  EnumerateOptions o;
  o.space = Space{3, 2, 1};
  o.cutoff = 500;
  o.backend = "cpu";
  o.threads = 1;
  const Table whole = enumerate(o);
  const std::string path = ::testing::TempDir() + "/deciders_acc.ctm";
  write_table(whole, path);
  const Table back = read_table(path);
  EXPECT_EQ(back.meta.deciders, whole.meta.deciders);
  const std::map<std::string, uint32_t> defaults{{"ngram_after", kNgramAfter}, {"bouncer_after", kBouncerAfter}};
  EXPECT_EQ(whole.meta.schedule, defaults);
  EXPECT_EQ(back.meta.schedule, whole.meta.schedule);
  EXPECT_TRUE(back.meta.accounting.recorded);
  EXPECT_EQ(back.meta.accounting.steps_proved, whole.meta.accounting.steps_proved);
  EXPECT_EQ(back.meta.accounting.settled, whole.meta.accounting.settled);
  o.shard_count = 2;
  o.shard_index = 0;
  Table merged = enumerate(o);
  o.shard_index = 1;
  merged.merge(enumerate(o));
  EXPECT_EQ(merged.meta.accounting.steps_branch, whole.meta.accounting.steps_branch);
  EXPECT_EQ(merged.meta.accounting.steps_proved, whole.meta.accounting.steps_proved);
  EXPECT_EQ(merged.meta.accounting.steps_cutoff, whole.meta.accounting.steps_cutoff);
  EXPECT_EQ(merged.meta.accounting.settled, whole.meta.accounting.settled);
  EXPECT_EQ(merged.meta.schedule, defaults);
  {
    // Parts run on different schedules: the merge's counts are exact, but no one schedule made it.
    o.shard_index = 0;
    Table part = enumerate(o);
    o.shard_index = 1;
    o.bouncer_after = 16;
    part.merge(enumerate(o));
    o.bouncer_after = -1;
    EXPECT_TRUE(part.meta.schedule.empty());
    EXPECT_EQ(part.halting, whole.halting);
  }
  // Steps per settling filter: they add up to the proved steps, survive the file and the merge.
  uint64_t per_filter = 0;
  for (const auto& [name, n] : whole.meta.accounting.proved_steps) per_filter += n;
  EXPECT_EQ(per_filter, whole.meta.accounting.steps_proved);
  EXPECT_GT(whole.meta.accounting.proved_steps.at("translated-cycle"), 0u);
  EXPECT_EQ(back.meta.accounting.proved_steps, whole.meta.accounting.proved_steps);
  EXPECT_EQ(merged.meta.accounting.proved_steps, whole.meta.accounting.proved_steps);
  // A file with accounting but without them (written before they were recorded) reads without them,
  // and a merge with it keeps the totals but drops the per-filter steps, which would not add up.
  o.shard_index = 0;
  Table older = enumerate(o);
  older.meta.accounting.proved_steps.clear();
  write_table(older, path);
  Table mixed = read_table(path);
  EXPECT_TRUE(mixed.meta.accounting.recorded);
  EXPECT_TRUE(mixed.meta.accounting.proved_steps.empty());
  o.shard_index = 1;
  mixed.merge(enumerate(o));
  EXPECT_EQ(mixed.meta.accounting.steps_proved, whole.meta.accounting.steps_proved);
  EXPECT_TRUE(mixed.meta.accounting.proved_steps.empty());
  Table old = whole;  // a table of an older writer: neither field
  old.meta.deciders.clear();
  old.meta.schedule.clear();
  old.meta.accounting = RunAccounting{};
  write_table(old, path);
  const Table old_back = read_table(path);
  EXPECT_TRUE(old_back.meta.deciders.empty());
  EXPECT_TRUE(old_back.meta.schedule.empty());
  EXPECT_FALSE(old_back.meta.accounting.recorded);
}

// One named machine per filter (from the tree of (3,2), runs from blank): stop reason, filter and
// step; each runs 10^5 steps on the independent simulator without reading an undefined entry.
TEST(Deciders, NamedMachinesStopWhereEachFilterSaysSo) {
  struct Named { const char* text; uint32_t ngram_after; uint8_t proof; uint32_t steps; };
  const Named named[] = {
      {"0LA---_------_------", 0, kProofEscape, 1},              // left forever in state A on blanks
      {"0LB---_0LC---_0RB---", 0, kProofCycle, 10},             // B C B ... between two cells
      // Drifts left, three steps a cell: the record test (deciders.hpp) sees B's second record at
      // step 5; the doubling references alone needed 8.
      {"0LB---_0LC---_0RA---", 0, kProofTranslated, 5},
      // A (5,2) translated cycler with a period of 23 steps and a 4-cell excursion back: caught at
      // the second record in state D (step 26); the doubling references alone needed 49.
      {"0RB---_0LC1RA_0LD---_0LE1LD_1LA0LA", 0, kProofTranslated, 26},
      {"0LB---_0LC0RB_1RB1LC", 0, kProofReach, 8},              // A's undefined entry left behind
      // Bouncers, cut off without the n-gram proof: the short window (L=2) decides the first at
      // step 32; it fails on the second, which the long one (L=5) decides kNgramLongDelay * 32 steps
      // later, at step 64.
      {"0LB1RA_1LC1LB_0RA---", 32, kProofNgram, 32},
      {"0LB---_0RC1LB_1RA1RC", 32, kProofNgram, 32 + kNgramLongDelay * 32},
      {"0LB0LC_0LC1LC_1RA0LA", 0, kProofComplete, 0},           // no undefined entry at all
  };
  for (const auto& x : named) {
    SCOPED_TRACE(x.text);
    const PartialMachine m = partial_from_text(x.text, 2);
    const Verdict v = run_from_blank(m, 2000, x.ngram_after);
    EXPECT_EQ(v.stop, StopReason::kProvedNonHalt);
    EXPECT_STREQ(proof_name(v.proof), proof_name(x.proof));
    EXPECT_EQ(v.steps, x.steps);
    EXPECT_EQ(steps_before_undefined(m, kCheckSteps), kCheckSteps);
    if (x.proof == kProofNgram) {
      EXPECT_EQ(run_from_blank(m, 2000, 0).stop, StopReason::kCutoff);  // no other filter sees it
      EXPECT_TRUE(ngram_proof(m, kNgramLong, 0));
      EXPECT_EQ(ngram_proof(m, kNgramShortWindow, 0), x.steps == x.ngram_after);
    }
  }
}

// Bouncers from the runs D(5,2) cut off at T=500 before the bouncer proof (shard 0/16), each run
// from blank with only the bouncer proof scheduled (after 96 steps, then at 192, 384, ...): it proves
// them where the repeated words of three sweeps show, and each runs 10^5 steps without reading an
// undefined entry. No window of the n-gram proof decides them.
TEST(Deciders, BouncersAreProvedAfterAFewSweeps) {
  struct Named { const char* text; uint32_t steps; };
  const Named named[] = {
      // Two repeaters: (01)^n grows on the right, 1^n on the left; every sweep crosses one of them
      // cell by cell in a single state (a shift rule with no tail). At step 96 the last four right
      // records in one state are not yet evenly spaced in time; at the second try (192) they are.
      {"0RB1LE_0LC1RE_0LD1RA_0LE---_1LA0LC", 192},
      // 1^n grows on both sides; the right-to-left sweep carries a 0 through it (D writes 0, E steps
      // back, D restores the 1): a shift rule with a one-cell tail.
      {"1RB0RD_1LC---_1RA0LB_1LD0LE_1RC1RD", 96},
  };
  for (const auto& x : named) {
    SCOPED_TRACE(x.text);
    const PartialMachine m = partial_from_text(x.text, 2);
    const Verdict v = run_from_blank(m, 500, 0, 0, kBouncerAfter);
    EXPECT_EQ(v.stop, StopReason::kProvedNonHalt);
    EXPECT_STREQ(proof_name(v.proof), "bouncer");
    EXPECT_EQ(v.steps, x.steps);
    EXPECT_EQ(run_from_blank(m, 500, 0).stop, StopReason::kCutoff);  // no other filter sees it
    for (int len = 1; len <= ngram_window(m.n, 2); ++len) EXPECT_FALSE(ngram_proof(m, len, 0)) << "window " << len;
    EXPECT_EQ(steps_before_undefined(m, kCheckSteps), kCheckSteps);
  }
}

// The pieces of the bouncer proof on hand-made tapes (cells far end first, as seen from the head).
BouncerItem cell_item(uint8_t s) { return bouncer_cell(s); }
BouncerItem repeater(std::initializer_list<uint8_t> word, int a, int c) {
  BouncerItem r{};
  r.len = static_cast<uint8_t>(word.size());
  r.a = static_cast<uint8_t>(a);
  r.c = static_cast<int16_t>(c);
  int i = 0;
  for (uint8_t x : word) r.w[i++] = x;
  return r;
}
void expect_items(const BouncerStack& got, std::initializer_list<BouncerItem> want) {
  ASSERT_EQ(got.size, static_cast<int>(want.size()));
  int i = 0;
  for (const BouncerItem& w : want) EXPECT_TRUE(same_item(got.it[i++], w)) << "item " << i - 1;
}
TEST(Deciders, BouncerFormulaNormalFormAndShiftRule) {
  static BouncerScratch s;
  // (10)^3 -> (10)^4: the inserted word goes after the longest common run (the end), and the
  // copies before it join it: count 4 in the newer tape, one more a sweep.
  const uint8_t a1[] = {1, 0, 1, 0, 1, 0}, b1[] = {1, 0, 1, 0, 1, 0, 1, 0};
  ASSERT_TRUE(bouncer_formula(a1, 6, b1, 8, s.formula));
  expect_items(s.formula, {repeater({1, 0}, 1, 4)});
  // Two insertions: 11 0 110 -> 111 0 110 110, i.e. 1^3 0 (110)^2 with both counts growing.
  const uint8_t a2[] = {1, 1, 0, 1, 1, 0}, b2[] = {1, 1, 1, 0, 1, 1, 0, 1, 1, 0};
  ASSERT_TRUE(bouncer_formula(a2, 6, b2, 10, s.formula));
  expect_items(s.formula, {repeater({1}, 1, 3), cell_item(0), repeater({1, 1, 0}, 1, 2)});
  // A changed cell is no insertion: no formula.
  const uint8_t a3[] = {1, 0, 1}, b3[] = {0, 0, 1, 1};
  EXPECT_FALSE(bouncer_formula(a3, 3, b3, 4, s.formula));

  // Normal form: cells move right through a repeater that ends with them and copies after it join
  // it: 0 1 (01)^c 0 1 = 0 (10)^c 1 0 1 = (01)^c 0 1 0 1 = (01)^(c+2); and blank cells at the far
  // end go: 0 0 1 (11)^c = (11)^c 1.
  BouncerStack& t = s.behind;
  t.size = 0;
  for (const BouncerItem& x : {cell_item(0), cell_item(1), repeater({0, 1}, 1, 2), cell_item(0), cell_item(1)}) t.push(x);
  ASSERT_TRUE(bouncer_normalize(t, 0));
  expect_items(t, {repeater({0, 1}, 1, 4)});
  t.size = 0;
  for (const BouncerItem& x : {cell_item(0), cell_item(0), cell_item(1), repeater({1, 1}, 2, 3)}) t.push(x);
  ASSERT_TRUE(bouncer_normalize(t, 0));
  expect_items(t, {repeater({1, 1}, 2, 3), cell_item(1)});
  // Two repeaters of one word side by side have no normal form.
  t.size = 0;
  for (const BouncerItem& x : {repeater({1}, 1, 2), repeater({1}, 1, 5)}) t.push(x);
  EXPECT_FALSE(bouncer_normalize(t, 0));

  // Shift rules, on the bilateral bouncer of BouncersAreProvedAfterAFewSweeps, walking left through
  // 1s with a 0 right behind the head: E (state 4) reads 1, steps back onto the 0 as D, D writes 1
  // and comes forward, D writes 0 on the 1 and moves on as E. Over the word 11 (travel order) it
  // ends in E again with 1 1 behind and the 0 carried along: t u^m = u^m t with t = 0. Without the
  // tail the head steps back out of the word (no rule); from D it ends in E (not a rule either).
  const PartialMachine m = partial_from_text("1RB0RD_1LC---_1RA0LB_1LD0LE_1RC1RD", 2);
  uint8_t word[] = {1, 1};
  const uint8_t tail[] = {0};
  EXPECT_FALSE(bouncer_shift(m, 4, kLeft, word, 2, nullptr, 0));
  EXPECT_FALSE(bouncer_shift(m, 3, kLeft, word, 2, tail, 1));
  ASSERT_TRUE(bouncer_shift(m, 4, kLeft, word, 2, tail, 1));
  EXPECT_EQ(word[0], 1);
  EXPECT_EQ(word[1], 1);
  // With a 1 behind instead, E crosses the word 1 and ends in E too, but leaves 1 0 (the tail cell
  // changed): the next copy would not see the same cells behind it, so there is no rule.
  uint8_t one[] = {1};
  const uint8_t tail_one[] = {1};
  EXPECT_FALSE(bouncer_shift(m, 4, kLeft, one, 1, tail_one, 1));
}

// Taking one cell out of a repeater (u^m = u0 (u1..u0)^(m-1) u1..) needs m >= 1 for every n. This
// (5,2) bouncer's left sweep takes a cell out of (11)^(n+c) (no shift rule crosses it from where it
// enters): its formula tape 0 1 (11)^(n+c), records on the left in state D, is proved for c >= 1 and
// must be refused for c = 0, where n = 0 leaves no copy to take a cell from (a proof without that
// guard accepts it).
TEST(Deciders, BouncerProofTakesACellOutOfARepeaterOnlyWhenThereIsOne) {
  const PartialMachine m = partial_from_text("0RB---_0LC0LE_1LD1LB_1RC1LE_1RA1LD", 2);
  EXPECT_TRUE(bouncer_proof(m, 96, 0));
  EXPECT_EQ(steps_before_undefined(m, kCheckSteps), kCheckSteps);
  static BouncerScratch s;
  for (int c = 0; c <= 3; ++c) {
    SCOPED_TRACE("c = " + std::to_string(c));
    s.formula.size = 0;
    for (const BouncerItem& x : {cell_item(0), cell_item(1), repeater({1, 1}, 1, c)}) s.formula.push(x);
    EXPECT_EQ(bouncer_cycle(m, kLeft, 3, 0, 1000, s), c >= 1);
  }
}

// A bouncer with a counter inside, from the (5,2) tree: its right side grows like a bouncer's, the
// records are evenly spaced and their tapes give formula tapes (152 candidate formulas between steps
// 16 and 482), but the left part changes from sweep to sweep and it reads its undefined entry at step
// 482. The proof must fail at every step before that, and the run must stop there.
TEST(Deciders, ABouncerThatHaltsLateIsNeverClaimed) {
  const PartialMachine m = partial_from_text("1RB0RA_1LB1LC_0LD1RA_1LE---_1LA0LB", 2);
  ASSERT_EQ(steps_before_undefined(m, 1000), 482u);
  for (uint32_t steps = 1; steps <= 482; ++steps) EXPECT_FALSE(bouncer_proof(m, steps, 0)) << "at step " << steps;
  const Verdict v = run_from_blank(m, 1000, kNgramAfter, 0, 1);  // every proof tried, the bouncer's from step 1
  EXPECT_EQ(v.stop, StopReason::kUndefined);
  EXPECT_EQ(v.steps, 482u);
}

// Late halters of the (5,2) tree that get past the guess and most of the symbolic proof: a proof
// without the final comparison with C(n + 1) claims the first two, one whose shift rule skips the
// check that the tail comes back claims the last two (found by running such broken proofs over the
// 139,676 partial machines of D(5,2) that read an undefined entry after 60 steps or more; the
// real proof claims none of them at any step). Each must be refused at every step before it reads
// its undefined entry.
TEST(Deciders, LateHaltersThatFoolWeakerBouncerProofsAreNeverClaimed) {
  struct Named { const char* text; uint32_t undefined_at; };
  const Named late[] = {
      {"0RB0RA_0LC1RA_1LD1LC_1LE---_1RB0LC", 224},
      {"0RB0LE_1LC1RD_1LA---_1RA0RD_0LE0LC", 191},
      {"0RB1LD_1LC1RB_1LA1LA_0RE1LE_---0LC", 60},
      {"1RB0RD_1RC1LA_1LD1RE_0LB0LA_---0RC", 161},
  };
  for (const auto& x : late) {
    SCOPED_TRACE(x.text);
    const PartialMachine m = partial_from_text(x.text, 2);
    ASSERT_EQ(steps_before_undefined(m, 1000), x.undefined_at);
    for (uint32_t steps = 1; steps <= x.undefined_at; ++steps) EXPECT_FALSE(bouncer_proof(m, steps, 0)) << "at step " << steps;
  }
}

// The reachability test runs before the first step: a run that starts (as a child does, where its
// parent branched) in a state from which no state with an undefined entry is reachable is settled
// at once. Here B and C only lead to each other and A holds the undefined entry.
TEST(Deciders, UnreachableUndefinedEntriesAreSettledBeforeAnyStep) {
  const PartialMachine m = partial_from_text("0LB---_0LC0RB_1RB1LC", 2);
  const Verdict from_b = run_from_blank(m, 2000, 0, 1);
  EXPECT_EQ(from_b.stop, StopReason::kProvedNonHalt);
  EXPECT_STREQ(proof_name(from_b.proof), "reachability");
  EXPECT_EQ(from_b.steps, 0u);  // the snapshot-time test alone settled it after 8 steps
  const Verdict from_a = run_from_blank(m, 2000, 0, 0);  // A reaches its own undefined entry
  EXPECT_EQ(from_a.steps, 8u);
}

// RecordCycles on hand-made tapes: two right records in the same state with the cells read in
// between equal (shifted) are a translated cycle; a difference inside the cells read, another
// state, or an excursion back wider than the window is not.
TEST(Deciders, RecordTestComparesExactlyTheCellsReadBetweenTwoRecords) {
  struct Case { const char* name; const char* t1; const char* t2; int32_t back; int state2; bool cycle; };
  // Tapes from cell 0, the record cell last (blank, just reached). Records at cells 9 and 12
  // (shift 3); `back` is the leftmost cell the head visited in between (9 - back cells read).
  const Case cases[] = {
      {"same cells read", "0000000100", "0000000100100", 7, 0, true},
      {"differs in a cell read", "0000000100", "0000000100000", 7, 0, false},
      {"differs only in a cell not read", "0000000100", "0000000100000", 8, 0, true},
      {"another state", "0000000100", "0000000100100", 7, 1, false},
      {"excursion wider than the window", "0000000000", "0000000000000", 0, 0, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<uint8_t> t1(c.t1, c.t1 + std::strlen(c.t1)), t2(c.t2, c.t2 + std::strlen(c.t2));
    for (auto& x : t1) x -= '0';
    for (auto& x : t2) x -= '0';
    RecordCycles rc;
    rc.reset(0);
    const uint8_t* tape1 = t1.data();
    EXPECT_FALSE(rc.on_record(1, 0, 9, tape1, 0, 9, 0));
    rc.track(c.back);  // the head goes back to `back` and returns
    const uint8_t* tape2 = t2.data();
    EXPECT_EQ(rc.on_record(1, c.state2, 12, tape2, 0, 12, 0), c.cycle);
  }
}

}  // namespace
}  // namespace ctm
