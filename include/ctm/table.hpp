// An output-frequency table D(n,k): exact counts of every output of a machine space at a cutoff,
// with the run statistics a user needs to judge it. Tables are values: merge() adds two tables of
// the same space and cutoff (shards, resumed runs), exactly.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ctm/types.hpp"

namespace ctm {

// A sampled table (ctm sample): the seed and the machine index ranges [start, end) it covers.
// Merging needs the same seed and disjoint ranges; adjacent ranges are coalesced.
struct SampleRange {
  uint64_t start = 0, end = 0;
  bool operator==(const SampleRange& o) const { return start == o.start && end == o.end; }
};
struct Sampling {
  bool sampled = false;
  uint64_t seed = 0;
  std::vector<SampleRange> ranges;
  uint64_t machines() const;  // sum of the range lengths
};

// Where an enumeration's simulated steps went (docs/deciders.md): in run segments that ended at an
// undefined entry (branch points; every halting run ends at one), in segments later proved
// non-halting, and in segments cut off at the cutoff; and how many partial machines each filter
// settled. Recorded by the CPU walk; device walks and older files leave it unrecorded.
struct RunAccounting {
  bool recorded = false;
  uint64_t steps_branch = 0, steps_proved = 0, steps_cutoff = 0;
  uint64_t cutoff_nodes = 0;                  // partial machines cut off at the cutoff
  std::map<std::string, uint64_t> settled;    // filter name (proof_name) -> partial machines proved
  // Filter name -> steps of the run segments it settled (they add up to steps_proved): where a
  // faster or earlier decider would save the most. Empty in files written before it was recorded.
  std::map<std::string, uint64_t> proved_steps;
};

struct TableMeta {
  Space space;
  uint32_t cutoff = 0;
  std::string backend;       // "cpu", "cuda", "bruteforce", "imported"
  std::string code_version;  // ctm version that produced it
  double wall_seconds = 0;   // summed over merged parts
  uint64_t tree_nodes = 0;   // partial machines expanded
  uint64_t simulated_steps = 0;
  uint32_t shard_index = 0, shard_count = 1;  // which slice of the work this table covers
  std::vector<uint32_t> shards_covered;       // after merges: every shard index it holds (empty = {shard_index})
  uint64_t work_items_done = 0, work_items_total = 0;
  std::string source;        // free text: where an imported table came from
  Sampling sampling;         // set for sampled tables only; exact tables leave it empty
  std::vector<std::string> deciders;  // the non-halting filters that ran (empty: not recorded)
  // When the scheduled proofs were tried, in steps of a run segment (0 = never): "ngram_after",
  // "bouncer_after" (empty: not recorded, or a merge of parts that differ).
  std::map<std::string, uint32_t> schedule;
  RunAccounting accounting;
};

struct Table {
  TableMeta meta;
  // Output string (symbols as characters, see symbol_char) -> number of (machine, blank) runs that
  // halt within the cutoff with that output. All k blank symbols are counted (spec section 1).
  std::map<std::string, count_t> counts;
  count_t machines = 0;           // machines covered (each run on all k blanks)
  count_t halting = 0;            // H: halting (machine, blank) runs
  count_t nonhalting_proved = 0;  // runs proved never to halt by a sound filter
  count_t nonhalting_cutoff = 0;  // runs still going at the cutoff (undecided)
  std::vector<count_t> halt_time; // halt_time[t] = halting runs whose halting step is t (size cutoff+1)

  count_t runs() const { return halting + nonhalting_proved + nonhalting_cutoff; }
  // D(s) = count(s)/H and K(s) = -log2 D(s); K is +infinity for an absent string.
  count_t count(const std::string& s) const;
  double probability(const std::string& s) const;
  double complexity(const std::string& s) const;
  // Adds another table of the same space and cutoff. Exact tables must come from the same shard
  // split and hold disjoint shards (a shard in both would be counted twice); sampled tables, the
  // same seed and disjoint index ranges. Throws ctm::Error otherwise. When the shards add up to the
  // whole split, the result is marked complete (shard 0 of 1).
  void merge(const Table& other);
  bool complete() const { return meta.sampling.sampled || meta.shard_count == 1; }
  // Internal consistency: sum of counts == H == sum of halt_time, runs == k * machines.
  void check_consistency() const;
};

// 1D: the longest L such that every string of length 1..L over the table's k symbols has a non-zero
// count (0 when a single symbol is missing); the table "covers length L completely". 2D: 0.
int complete_length(const Table& t);

// Symbols relabelled by first appearance ("1101" -> "0010", "2302" -> "0120"): pybdm/acss keys.
std::string normalize_key(const std::string& s);

}  // namespace ctm
