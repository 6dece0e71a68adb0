// Helpers shared by the table tests: one way to ask for a table with explicit options, and the two
// ways tables are compared (whole, or as outputs when one side cannot prove non-halting).
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "ctm/enumerate.hpp"

namespace ctm::test_support {

struct TableRequest {
  Space space;
  uint32_t cutoff = 0;
  std::string backend = "cpu";
  int threads = 0;
  uint32_t shard = 0, shards = 1;
  int depth = 0;  // frontier depth, 0 = default
};

inline Table enumerate_table(const TableRequest& r) {
  EnumerateOptions o;
  o.space = r.space;
  o.cutoff = r.cutoff;
  o.backend = r.backend;
  o.threads = r.threads;
  o.shard_index = r.shard;
  o.shard_count = r.shards;
  o.frontier_depth = r.depth;
  return enumerate(o);
}

// Equal as tables of outputs: counts, H, machines, halting times, and non-halting runs in total
// (a brute force proves nothing, so only the sum of proved and cut-off runs is comparable).
inline void expect_same_outputs(const Table& a, const Table& b) {
  EXPECT_TRUE(a.counts == b.counts) << a.counts.size() << " vs " << b.counts.size() << " outputs";
  EXPECT_EQ(to_string(a.halting), to_string(b.halting));
  EXPECT_EQ(to_string(a.machines), to_string(b.machines));
  EXPECT_EQ(to_string(a.nonhalting_proved + a.nonhalting_cutoff), to_string(b.nonhalting_proved + b.nonhalting_cutoff));
  EXPECT_TRUE(a.halt_time == b.halt_time);
}

// Equal in every count, the proved / cut-off split included.
inline void expect_identical(const Table& a, const Table& b) {
  expect_same_outputs(a, b);
  EXPECT_EQ(to_string(a.nonhalting_proved), to_string(b.nonhalting_proved));
  EXPECT_EQ(to_string(a.nonhalting_cutoff), to_string(b.nonhalting_cutoff));
}

// The same table from the same walk: every count, and the tree nodes, simulated steps and work
// items done (what the backends, emulations and designs of one enumeration must all agree on).
inline void expect_same_walk(const Table& a, const Table& b) {
  expect_identical(a, b);
  EXPECT_EQ(a.meta.tree_nodes, b.meta.tree_nodes);
  EXPECT_EQ(a.meta.simulated_steps, b.meta.simulated_steps);
  EXPECT_EQ(a.meta.work_items_done, b.meta.work_items_done);
}

}  // namespace ctm::test_support
