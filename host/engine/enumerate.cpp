// enumerate(): the frontier of partial machines, its parallel exploration on the CPU, and the
// symmetrisation (mirror, blank symbols) of the leaves into a Table.
#include "ctm/enumerate.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "ctm/limits.hpp"
#include "ctm/version.hpp"
#include "cuda_probe.hpp"
#include "parallel.hpp"
#include "cuda_backend.hpp"
#include "tree.hpp"

namespace ctm {
namespace detail {

Table enumerate_2d_cpu(const EnumerateOptions& opt, uint32_t cutoff);  // host/engine/enumerate2d.cpp
#ifdef CTM_WITH_CUDA
Table enumerate_2d_cuda(const EnumerateOptions& opt, uint32_t cutoff);  // host/engine/enumerate2d.cpp
#endif

// Frontier depth (defined entries) as a function of the space only, so that every shard and every
// thread count sees the same list of work items.
// Spaces of 12+ entries ((6,2), (4,3), (3,4)) get one level more: (6,2) has only 1,041 items at
// depth 4, too coarse to spread over many machines.
int default_frontier_depth(const Space& space) { return std::min(space.entries() - 1, space.entries() >= 12 ? 5 : 4); }

struct Frontier {
  Accumulator root;    // leaves not mirrored: the halting runs of step 1
  Accumulator prefix;  // leaves above the frontier in right-first subtrees
  std::vector<WorkItem> items;
};

uint32_t ngram_after_of(const EnumerateOptions& opt) {
  return opt.ngram_after < 0 ? kNgramAfter : static_cast<uint32_t>(opt.ngram_after);
}

Frontier build_frontier(const Space& space, uint32_t cutoff, int depth, uint32_t ngram_after) {
  Frontier f{Accumulator(space.symbols, cutoff), Accumulator(space.symbols, cutoff), {}};
  const WorkItem root = Explorer::root(space);
  Explorer(space, cutoff, f.root).count_halting(root);
  Explorer prefix(space, cutoff, f.prefix);
  prefix.set_ngram_after(ngram_after);
  prefix.collect_frontier(&f.items, std::max(depth, 1));
  // Mirror symmetry: only machines whose first transition moves right are explored.
  prefix.expand(root, /*skip_halting=*/true, /*only_right=*/true);
  return f;
}

// Blank-0 leaves -> table: mirror (right-first leaves also count reversed), then every blank b
// (running on blank b is running the 0<->b relabelled machine on blank 0).
Table symmetrize(const Space& space, uint32_t cutoff, const Accumulator& unmirrored, const Accumulator& right_first) {
  Table t;
  t.meta.space = space;
  t.meta.cutoff = cutoff;
  const count_t k = static_cast<count_t>(space.symbols);
  std::unordered_map<std::string, count_t> blank0 = unmirrored.outputs();
  for (const auto& [s, c] : right_first.outputs()) {
    blank0[s] += c;
    blank0[std::string(s.rbegin(), s.rend())] += c;
  }
  for (const auto& [s, c] : blank0) {
    for (int b = 0; b < space.symbols; ++b) {
      std::string relabelled = s;
      const char zero = symbol_char(0), blank = symbol_char(b);
      for (char& ch : relabelled) ch = ch == zero ? blank : (ch == blank ? zero : ch);
      t.counts[relabelled] += c;
    }
  }
  t.halting = k * (unmirrored.halting + 2 * right_first.halting);
  t.nonhalting_proved = k * (unmirrored.proved + 2 * right_first.proved);
  t.nonhalting_cutoff = k * (unmirrored.cutoff_runs + 2 * right_first.cutoff_runs);
  t.machines = t.runs() / k;
  t.halt_time.assign(cutoff + 1, 0);
  for (uint32_t i = 0; i <= cutoff; ++i)
    t.halt_time[i] = k * (unmirrored.halt_time[i] + 2 * right_first.halt_time[i]);
  t.meta.tree_nodes = unmirrored.nodes + right_first.nodes;
  t.meta.simulated_steps = unmirrored.steps + right_first.steps;
  // Accounting as simulated (not symmetrised), like the steps and nodes above.
  RunAccounting& a = t.meta.accounting;
  for (const WalkStats* w : {&unmirrored.walk, &right_first.walk}) {
    a.steps_branch += w->steps_branch;
    a.steps_proved += w->steps_proved;
    a.steps_cutoff += w->steps_cutoff;
    a.cutoff_nodes += w->cutoff_nodes;
    for (int p = kProofNone + 1; p < kProofCount; ++p) a.settled[proof_name(p)] += w->settled[p];
  }
  a.recorded = true;
  return t;
}

// The filters a 1D walk runs (run_until_branch and walk_subtree), as recorded in the table.
std::vector<std::string> deciders_of(uint32_t ngram_after) {
  std::vector<std::string> names;
  for (int p = kProofNone + 1; p < kProofCount; ++p)
    if (p != kProofNgram || ngram_after > 0) names.push_back(proof_name(p));
  return names;
}

// The work items of this shard: every item i of the (space-determined) frontier with i % M == I.
std::vector<const WorkItem*> shard_items(const Frontier& frontier, const EnumerateOptions& opt) {
  std::vector<const WorkItem*> mine;
  for (size_t i = 0; i < frontier.items.size(); ++i)
    if (i % opt.shard_count == opt.shard_index) mine.push_back(&frontier.items[i]);
  return mine;
}

// Adds the frontier's own leaves (shard 0 only), symmetrises, and fills the metadata.
Table finish(const EnumerateOptions& opt, uint32_t cutoff, const Frontier& frontier, Accumulator& right_first,
             size_t items_done, const char* backend, double seconds) {
  Accumulator unmirrored(opt.space.symbols, cutoff);
  if (opt.shard_index == 0) {
    right_first.merge(frontier.prefix);
    unmirrored.merge(frontier.root);
  }
  Table t = symmetrize(opt.space, cutoff, unmirrored, right_first);
  t.meta.backend = backend;
  t.meta.code_version = kVersion;
  t.meta.shard_index = opt.shard_index;
  t.meta.shard_count = opt.shard_count;
  t.meta.work_items_done = items_done;
  t.meta.work_items_total = frontier.items.size();
  t.meta.wall_seconds = seconds;
  t.meta.deciders = deciders_of(ngram_after_of(opt));
  return t;
}

int frontier_depth_of(const EnumerateOptions& opt) {
  return opt.frontier_depth > 0 ? opt.frontier_depth : default_frontier_depth(opt.space);
}

Table enumerate_cpu(const EnumerateOptions& opt, uint32_t cutoff) {
  const auto start = std::chrono::steady_clock::now();
  const Space& space = opt.space;
  Frontier frontier = build_frontier(space, cutoff, frontier_depth_of(opt), ngram_after_of(opt));
  const std::vector<const WorkItem*> mine = shard_items(frontier, opt);

  const int threads = worker_threads(opt, mine.size());
  std::vector<Accumulator> accs(threads, Accumulator(space.symbols, cutoff));
  std::vector<Explorer> explorers;
  explorers.reserve(threads);
  std::atomic<bool> cancel{false};
  for (int i = 0; i < threads; ++i) {
    explorers.emplace_back(space, cutoff, accs[i]);
    explorers.back().set_cancel_flag(&cancel);
    explorers.back().set_ngram_after(ngram_after_of(opt));
  }
  // Per-thread figures for the progress line, published after each item.
  struct Shared { std::mutex mu; std::vector<uint64_t> nodes; std::vector<count_t> covered; } shared;
  shared.nodes.assign(threads, 0);
  shared.covered.assign(threads, 0);
  run_work_items(
      mine.size(), threads, opt, start, cancel,
      [&](int id, size_t i) {
        explorers[id].expand(*mine[i]);
        const Accumulator& acc = accs[id];
        std::lock_guard<std::mutex> lock(shared.mu);
        shared.nodes[id] = acc.nodes;
        shared.covered[id] = acc.halting + acc.proved + acc.cutoff_runs;
      },
      [&](Progress& p) {
        std::lock_guard<std::mutex> lock(shared.mu);
        for (int i = 0; i < threads; ++i) { p.tree_nodes += shared.nodes[i]; p.machines_covered += 2 * shared.covered[i]; }
      },
      "enumeration");
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

  Accumulator right_first(space.symbols, cutoff);
  for (const auto& a : accs) right_first.merge(a);
  return finish(opt, cutoff, frontier, right_first, mine.size(), "cpu", elapsed());
}

// The shard's items are split further on the CPU (their leaves above the split counted here), so
// that the device gets many small subtrees; `walk` walks them with the same walk_subtree().
Table enumerate_device(const EnumerateOptions& opt, uint32_t cutoff, const DeviceWalker& walk, const char* backend) {
  const auto start = std::chrono::steady_clock::now();
  const Space& space = opt.space;
  const int base_depth = frontier_depth_of(opt);
  // The device walk runs the default filters (WalkConfig's defaults), so the host side does too.
  EnumerateOptions host_opt = opt;
  host_opt.ngram_after = -1;
  Frontier frontier = build_frontier(space, cutoff, base_depth, kNgramAfter);
  const std::vector<const WorkItem*> mine = shard_items(frontier, opt);

  const int device_depth = opt.device_frontier_depth > 0 ? opt.device_frontier_depth
                                                         : std::min(space.entries() - 1, base_depth + 3);
  Accumulator right_first(space.symbols, cutoff);
  std::vector<WorkItem> split;
  std::vector<const WorkItem*> device_items;
  if (device_depth > base_depth) {
    Explorer splitter(space, cutoff, right_first);
    splitter.collect_frontier(&split, device_depth);
    for (const WorkItem* item : mine) splitter.expand(*item);
    for (const auto& item : split) device_items.push_back(&item);
  } else {
    device_items = mine;
  }
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const count_t split_covered = right_first.halting + right_first.proved + right_first.cutoff_runs;
  const DeviceLeaves leaves = walk(space, cutoff, device_items, [&](const DeviceProgress& d) {
    if (!opt.progress) return true;
    Progress p;
    p.items_done = d.items_done;
    p.items_total = device_items.size();
    p.tree_nodes = right_first.nodes + d.nodes;
    p.machines_covered = 2 * (split_covered + d.covered);  // right-first leaves stand for their mirrors too
    p.elapsed_seconds = elapsed();
    return opt.progress(p);
  });
  for (const auto& [key, c] : leaves.packed) right_first.add_packed(key, c);
  for (const auto& [s, c] : leaves.long_outputs) right_first.long_outputs[s] += c;
  right_first.halting += leaves.halting;
  right_first.proved += leaves.proved;
  right_first.cutoff_runs += leaves.cutoff_runs;
  for (uint32_t t = 0; t <= cutoff; ++t) right_first.halt_time[t] += leaves.halt_time[t];
  right_first.nodes += leaves.nodes;
  right_first.steps += leaves.steps;
  Table t = finish(host_opt, cutoff, frontier, right_first, mine.size(), backend, elapsed());
  t.meta.accounting = RunAccounting{};  // the device threads keep no step accounting
  return t;
}

#ifdef CTM_WITH_CUDA
Table enumerate_cuda(const EnumerateOptions& opt, uint32_t cutoff) {
  DeviceWalkOptions walk_opt;
  walk_opt.device = opt.device;
  walk_opt.batch_seconds = opt.progress_interval > 0 ? opt.progress_interval : 0.5;
  return enumerate_device(
      opt, cutoff,
      [&](const Space& space, uint32_t t, const std::vector<const WorkItem*>& items, const DeviceProgressFn& progress) {
        return walk_on_device(space, t, items, walk_opt, progress);
      },
      "cuda");
}
#endif

}  // namespace detail

Table enumerate(const EnumerateOptions& options) {
  EnumerateOptions opt = options;
  opt.space.validate();
  uint32_t cutoff = opt.cutoff ? opt.cutoff : standard_cutoff(opt.space);
  if (cutoff == 0)
    throw Error("no standard cutoff for space " + opt.space.name() + ": give one with --cutoff");
  if (cutoff > kMaxCutoff1d) throw Error("cutoff too large (got " + std::to_string(cutoff) + ", at most " + std::to_string(kMaxCutoff1d) + ")");
  if (opt.shard_count < 1 || opt.shard_index >= opt.shard_count)
    throw Error("shard " + std::to_string(opt.shard_index) + "/" + std::to_string(opt.shard_count) + " is not a valid slice");
  if (opt.threads < 0) throw Error("threads must be >= 0 (got " + std::to_string(opt.threads) + ")");
  // The same backends for 1D (tape) and 2D (grid) spaces.
  const bool grid = opt.space.dims == 2;
  auto on_cpu = [&] { return grid ? detail::enumerate_2d_cpu(opt, cutoff) : detail::enumerate_cpu(opt, cutoff); };
  std::string backend = opt.backend;
  if (backend != "auto" && backend != "cpu" && backend != "cuda")
    throw Error("unknown backend '" + options.backend + "' (expected auto, cpu or cuda)");
  if (backend == "auto") backend = cuda_available() ? "cuda" : "cpu";
  if (backend == "cpu") return on_cpu();
#ifdef CTM_WITH_CUDA
  if (!cuda_available()) throw Error(detail::no_cuda_device_message());
  // A bad device index is an error before any work, for auto too (it names a device explicitly).
  if (opt.device < 0 || opt.device >= detail::cuda_device_count())
    throw Error("CUDA device " + std::to_string(opt.device) + " does not exist (" +
                std::to_string(detail::cuda_device_count()) + " device(s) present)");
  auto on_cuda = [&] { return grid ? detail::enumerate_2d_cuda(opt, cutoff) : detail::enumerate_cuda(opt, cutoff); };
  if (options.backend == "cuda") return on_cuda();
  // auto: a device failure (out of memory, overflow, a fault) falls back to the CPU; a cancel does not.
  try {
    return on_cuda();
  } catch (const Cancelled&) {
    throw;
  } catch (const std::exception& e) {  // ctm::Error, thrust::system_error, std::bad_alloc
    if (opt.warn) opt.warn(std::string("CUDA backend failed, enumerating on the CPU instead: ") + e.what());
    return on_cpu();
  }
#else
  throw Error(detail::no_cuda_device_message());
#endif
}

void for_each_halting_leaf(const Space& space, uint32_t cutoff, const std::function<void(const HaltingLeaf&)>& visit) {
  space.validate();
  if (space.dims != 1) throw Error("listing machines is only implemented for 1D spaces (got " + space.name() + ")");
  detail::Accumulator acc(space.symbols, cutoff);
  detail::Explorer explorer(space, cutoff, acc);
  explorer.on_halting_leaf(&visit);
  explorer.expand(detail::Explorer::root(space));
}

}  // namespace ctm
