// enumerate(): the frontier of partial machines, its parallel exploration on the CPU, and the
// symmetrisation (mirror, blank symbols) of the leaves into a Table.
#include "ctm/enumerate.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "ctm/version.hpp"
#include "tree.hpp"

namespace ctm {
namespace detail {

// Frontier depth (defined entries) as a function of the space only, so that every shard and every
// thread count sees the same list of work items.
int default_frontier_depth(const Space& space) { return std::min(space.entries() - 1, 4); }

struct Frontier {
  Accumulator root;    // leaves not mirrored: the halting runs of step 1
  Accumulator prefix;  // leaves above the frontier in right-first subtrees
  std::vector<WorkItem> items;
};

Frontier build_frontier(const Space& space, uint32_t cutoff, int depth) {
  Frontier f{Accumulator(space.symbols, cutoff), Accumulator(space.symbols, cutoff), {}};
  const WorkItem root = Explorer::root(space);
  Explorer(space, cutoff, f.root).count_halting(root);
  Explorer prefix(space, cutoff, f.prefix);
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
  return t;
}

Table enumerate_cpu(const EnumerateOptions& opt, uint32_t cutoff) {
  const auto start = std::chrono::steady_clock::now();
  const Space& space = opt.space;
  const int depth = opt.frontier_depth > 0 ? opt.frontier_depth : default_frontier_depth(space);
  Frontier frontier = build_frontier(space, cutoff, depth);

  std::vector<const WorkItem*> mine;
  for (size_t i = 0; i < frontier.items.size(); ++i)
    if (i % opt.shard_count == opt.shard_index) mine.push_back(&frontier.items[i]);

  int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, std::min<int>(threads, static_cast<int>(std::max<size_t>(mine.size(), 1))));

  std::vector<Accumulator> accs(threads, Accumulator(space.symbols, cutoff));
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::atomic<bool> cancel{false};
  struct Shared { std::mutex mu; std::vector<uint64_t> nodes; std::vector<count_t> covered; } shared;
  shared.nodes.assign(threads, 0);
  shared.covered.assign(threads, 0);

  auto worker = [&](int id) {
    Accumulator& acc = accs[id];
    Explorer explorer(space, cutoff, acc);
    explorer.set_cancel_flag(&cancel);
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= mine.size() || cancel.load()) break;
      explorer.expand(*mine[i]);
      done.fetch_add(1);
      std::lock_guard<std::mutex> lock(shared.mu);
      shared.nodes[id] = acc.nodes;
      shared.covered[id] = acc.halting + acc.proved + acc.cutoff_runs;
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker, i);

  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  if (opt.progress) {
    double next_report = opt.progress_interval;
    while (done.load() < mine.size() && !cancel.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (elapsed() < next_report) continue;
      next_report = elapsed() + opt.progress_interval;
      Progress p;
      p.items_done = done.load();
      p.items_total = mine.size();
      p.elapsed_seconds = elapsed();
      {
        std::lock_guard<std::mutex> lock(shared.mu);
        for (int i = 0; i < threads; ++i) { p.tree_nodes += shared.nodes[i]; p.machines_covered += 2 * shared.covered[i]; }
      }
      if (!opt.progress(p)) cancel.store(true);
    }
  }
  for (auto& t : pool) t.join();
  if (cancel.load()) throw Cancelled("enumeration cancelled after " + std::to_string(done.load()) + " of " +
                                     std::to_string(mine.size()) + " work items");

  Accumulator right_first(space.symbols, cutoff);
  for (const auto& a : accs) right_first.merge(a);
  Accumulator unmirrored(space.symbols, cutoff);
  if (opt.shard_index == 0) {
    right_first.merge(frontier.prefix);
    unmirrored.merge(frontier.root);
  }
  Table t = symmetrize(space, cutoff, unmirrored, right_first);
  t.meta.backend = "cpu";
  t.meta.code_version = kVersion;
  t.meta.shard_index = opt.shard_index;
  t.meta.shard_count = opt.shard_count;
  t.meta.work_items_done = mine.size();
  t.meta.work_items_total = frontier.items.size();
  t.meta.wall_seconds = elapsed();
  return t;
}

}  // namespace detail

Table enumerate(const EnumerateOptions& options) {
  EnumerateOptions opt = options;
  opt.space.validate();
  uint32_t cutoff = opt.cutoff ? opt.cutoff : standard_cutoff(opt.space);
  if (cutoff == 0)
    throw Error("no standard cutoff for space " + opt.space.name() + ": give one with --cutoff");
  if (cutoff > 1000000) throw Error("cutoff too large (got " + std::to_string(cutoff) + ", at most 1000000)");
  if (opt.shard_count < 1 || opt.shard_index >= opt.shard_count)
    throw Error("shard " + std::to_string(opt.shard_index) + "/" + std::to_string(opt.shard_count) + " is not a valid slice");
  if (opt.threads < 0) throw Error("threads must be >= 0 (got " + std::to_string(opt.threads) + ")");
  std::string backend = opt.backend;
  if (backend == "auto") backend = cuda_available() ? "cuda" : "cpu";
  if (backend == "cpu") return detail::enumerate_cpu(opt, cutoff);
  if (backend == "cuda") {
    if (!cuda_available()) throw Error("backend 'cuda' requested but no CUDA device is available (use --backend cpu)");
    throw Error("backend 'cuda' is not implemented yet (use --backend cpu)");
  }
  throw Error("unknown backend '" + options.backend + "' (expected auto, cpu or cuda)");
}

void for_each_halting_leaf(const Space& space, uint32_t cutoff, const std::function<void(const HaltingLeaf&)>& visit) {
  space.validate();
  detail::Accumulator acc(space.symbols, cutoff);
  detail::Explorer explorer(space, cutoff, acc);
  explorer.on_halting_leaf(&visit);
  explorer.expand(detail::Explorer::root(space));
}

}  // namespace ctm
