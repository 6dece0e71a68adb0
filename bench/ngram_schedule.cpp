// One CPU enumeration with a chosen n-gram schedule (EnumerateOptions::ngram_after; the long window
// is tree_walk.hpp's kNgramLong), for docs/deciders.md "Choosing the schedule": prints the steps,
// where they went and the wall time, and writes the table (compare it with `ctm export`).
//   ngram_schedule N K T AFTER THREADS OUT [SHARD_INDEX SHARD_COUNT [BOUNCER_AFTER]]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "ctm/enumerate.hpp"
#include "ctm/table_io.hpp"

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: ngram_schedule N K T AFTER THREADS OUT [SHARD_INDEX SHARD_COUNT [BOUNCER_AFTER]]\n");
    return 2;
  }
  ctm::EnumerateOptions o;
  o.space = ctm::Space{std::atoi(argv[1]), std::atoi(argv[2]), 1};
  o.cutoff = static_cast<uint32_t>(std::atoi(argv[3]));
  o.ngram_after = std::atoi(argv[4]);
  o.threads = std::atoi(argv[5]);
  o.backend = "cpu";
  if (argc > 8) {
    o.shard_index = static_cast<uint32_t>(std::atoi(argv[7]));
    o.shard_count = static_cast<uint32_t>(std::atoi(argv[8]));
  }
  if (argc > 9) o.bouncer_after = std::atoi(argv[9]);
  const auto start = std::chrono::steady_clock::now();
  const ctm::Table t = ctm::enumerate(o);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const ctm::RunAccounting& a = t.meta.accounting;
  std::printf("%s T=%u ngram_after=%d bouncer_after=%d: %.3f s wall, %llu steps (branch %llu, proved %llu, cut off %llu = %.1f%% in %llu runs)",
              o.space.name().c_str(), o.cutoff, o.ngram_after, o.bouncer_after, wall, (unsigned long long)t.meta.simulated_steps,
              (unsigned long long)a.steps_branch, (unsigned long long)a.steps_proved, (unsigned long long)a.steps_cutoff,
              100.0 * static_cast<double>(a.steps_cutoff) / static_cast<double>(t.meta.simulated_steps),
              (unsigned long long)a.cutoff_nodes);
  for (const auto& [name, count] : a.settled) std::printf(", %s %llu", name.c_str(), (unsigned long long)count);
  std::printf("\n");
  ctm::write_table(t, argv[6]);
  return 0;
}
