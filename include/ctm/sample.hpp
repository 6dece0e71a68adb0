// Sampling mode (issue 5): machines drawn uniformly from a space too large to enumerate, with a
// counter-based generator so that machine i of a seed is the same in every run and sample tables over
// disjoint index ranges merge exactly; Wilson intervals for D(s) and K(s).
#pragma once
#include <cstdint>

#include <functional>
#include <string>

#include "ctm/enumerate.hpp"  // Progress, Cancelled
#include "ctm/machine.hpp"
#include "ctm/table.hpp"

namespace ctm {

struct SampleOptions {
  Space space;
  uint32_t cutoff = 0;    // 0 = the spec's standard cutoff (error if there is none)
  uint64_t seed = 0;
  uint64_t start = 0;     // machine indices [start, start + machines)
  uint64_t machines = 0;
  int threads = 0;        // 0 = all hardware threads; the table does not depend on it
  std::string backend = "auto";  // auto | cpu | cuda (auto: CUDA when a device is present)
  int device = 0;               // CUDA device index
  // Called about every `progress_interval` seconds (CPU: from the calling thread; CUDA: between
  // launches), items = machines; return false to cancel (throws ctm::Cancelled).
  std::function<bool(const Progress&)> progress;
  double progress_interval = 0.5;
  std::function<void(const std::string&)> warn;  // as in EnumerateOptions: a fallback, one line
};

// Every sampled machine runs on all k blanks (whole machines, the semantics of tm.hpp / tm2d.hpp);
// a run halts if its halting transition is step <= cutoff. A machine from whose initial state no
// halting entry is reachable is counted as proved non-halting without being run.
Table sample(const SampleOptions& options);

// Machine `index` of `seed`: each entry uniform over the k(2n+1) or k(4n+1) options (rejection
// sampling, no modulo bias), from the stream that starts at mix(mix(seed) + index).
Machine sampled_machine(const Space& space, uint64_t seed, uint64_t index);

struct Interval {
  double low, high;
};
// Wilson score interval for a binomial proportion successes / trials (z = 1.96: 95%).
Interval wilson_interval(count_t successes, count_t trials, double z = 1.959963984540054);
// 95% interval for D(s) of a sampled table (count(s) among H halting runs), and the matching K
// interval [-log2 high, -log2 low] (high is +infinity when low is 0).
Interval d_interval(const Table& t, const std::string& s);
Interval k_interval(const Table& t, const std::string& s);

}  // namespace ctm
