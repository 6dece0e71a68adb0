// enumerate(): the frontier of partial machines, its parallel exploration on the CPU or the device,
// and the symmetrisation (mirror or rotations, blank symbols) of the leaves into a Table; one
// pipeline over the geometry (Tape1d for 1D tapes, Grid2d for 2D grids: kernels/core/geometry.hpp).
#include "ctm/enumerate.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "ctm/grid_key.hpp"
#include "ctm/limits.hpp"
#include "ctm/version.hpp"
#include "cuda_probe.hpp"
#include "parallel.hpp"
#include "cuda_backend.hpp"
#include "tree.hpp"
#include "wavefront.hpp"

namespace ctm {
namespace detail {
namespace {

// What the pipeline needs to know of a geometry on the host, beside geometry.hpp's policy.
// Frontier depth (defined entries) as a function of the space only, so that every shard and every
// thread count sees the same list of work items. 1D spaces of 12+ entries ((6,2), (4,3), (3,4)) get
// one level more: (6,2) has only 1,041 items at depth 4, too coarse to spread over many machines.
int default_frontier_depth(Tape1d, const Space& space) {
  return std::min(space.entries() - 1, space.entries() >= 12 ? 5 : 4);
}
int default_frontier_depth(Grid2d, const Space& space) { return std::min(space.entries() - 1, 4); }
// Levels the device split adds below the frontier by default.
int device_split_levels(Tape1d) { return 3; }
int device_split_levels(Grid2d) { return 2; }
// The outputs a leaf of a mirrored-root subtree stands for: itself and its mirror image (1D), its 4
// rotations (2D). A symmetric output is counted once per image.
template <class F> void for_each_image(Tape1d, const std::string& s, F&& f) { f(s); f(std::string(s.rbegin(), s.rend())); }
template <class F> void for_each_image(Grid2d, const std::string& s, F&& f) {
  std::string r = s;
  for (int i = 0; i < 4; ++i) { f(r); r = rotate_grid_key(r); }
}
void check_cutoff(Tape1d, uint32_t) {}
void check_cutoff(Grid2d, uint32_t cutoff) {
  if (cutoff > kMaxCutoff2d)
    throw Error("2D cutoff too large for the grid (got " + std::to_string(cutoff) + ", at most " + std::to_string(kMaxCutoff2d) + ")");
}

template <class Geo>
struct Frontier {
  AccumulatorOf<Geo> root;    // leaves not mirrored: the halting runs of step 1
  AccumulatorOf<Geo> prefix;  // leaves above the frontier in mirrored-root subtrees
  std::vector<WorkItemOf<Geo>> items;
};

ProofSchedule schedule_of(const EnumerateOptions& opt, uint32_t cutoff) {
  ProofSchedule s = ProofSchedule::for_cutoff(cutoff);
  if (opt.ngram_after >= 0) s.ngram_after = static_cast<uint32_t>(opt.ngram_after);
  if (opt.bouncer_after >= 0) s.bouncer_after = static_cast<uint32_t>(opt.bouncer_after);
  return s;
}

template <class Geo>
int frontier_depth_of(const EnumerateOptions& opt) {
  return opt.frontier_depth > 0 ? opt.frontier_depth : default_frontier_depth(Geo{}, opt.space);
}

template <class Geo>
Frontier<Geo> build_frontier(const Space& space, uint32_t cutoff, int depth, const ProofSchedule& schedule) {
  Frontier<Geo> f{AccumulatorOf<Geo>(space.symbols, cutoff), AccumulatorOf<Geo>(space.symbols, cutoff), {}};
  const WorkItemOf<Geo> root = ExplorerOf<Geo>::root(space);
  ExplorerOf<Geo>(space, cutoff, f.root).count_halting(root);
  ExplorerOf<Geo> prefix(space, cutoff, f.prefix);
  prefix.set_schedule(schedule);
  prefix.collect_frontier(&f.items, std::max(depth, 1));
  // Mirror (1D) or rotation (2D) symmetry: only the root's first moves Geo keeps are explored.
  prefix.expand(root, /*skip_halting=*/true, /*root_mirrored=*/true);
  return f;
}

// Blank-0 leaves -> table: the mirrored-root leaves also count as their images (mirror or
// rotations), then every blank b (running on blank b is running the 0<->b relabelled machine on blank 0).
template <class Geo>
Table symmetrize(const Space& space, uint32_t cutoff, const AccumulatorOf<Geo>& unmirrored,
                 const AccumulatorOf<Geo>& mirrored) {
  Table t;
  t.meta.space = space;
  t.meta.cutoff = cutoff;
  const count_t k = static_cast<count_t>(space.symbols), images = Geo::kImages;
  std::unordered_map<std::string, count_t> blank0 = unmirrored.outputs();
  for (const auto& out : mirrored.outputs())  // (not a structured binding: clang 14 cannot capture one)
    for_each_image(Geo{}, out.first, [&](const std::string& img) { blank0[img] += out.second; });
  for (const auto& [s, c] : blank0)
    for (int b = 0; b < space.symbols; ++b) t.counts[swap_symbols(s, 0, b)] += c;
  t.halting = k * (unmirrored.halting + images * mirrored.halting);
  t.nonhalting_proved = k * (unmirrored.proved + images * mirrored.proved);
  t.nonhalting_cutoff = k * (unmirrored.cutoff_runs + images * mirrored.cutoff_runs);
  t.machines = t.runs() / k;
  t.halt_time.assign(cutoff + 1, 0);
  for (uint32_t i = 0; i <= cutoff; ++i) t.halt_time[i] = k * (unmirrored.halt_time[i] + images * mirrored.halt_time[i]);
  t.meta.tree_nodes = unmirrored.nodes + mirrored.nodes;
  t.meta.simulated_steps = unmirrored.steps + mirrored.steps;
  if (!Geo::kAccounting) return t;
  // Accounting as simulated (not symmetrised), like the steps and nodes above.
  RunAccounting& a = t.meta.accounting;
  for (const WalkStats* w : {&unmirrored.walk, &mirrored.walk}) {
    a.steps_branch += w->steps_branch;
    a.steps_proved += w->steps_proved;
    a.steps_cutoff += w->steps_cutoff;
    a.cutoff_nodes += w->cutoff_nodes;
    for (int p = kProofNone + 1; p < kProofCount; ++p) {
      a.settled[proof_name(p)] += w->settled[p];
      a.proved_steps[proof_name(p)] += w->steps_settled[p];
    }
  }
  a.recorded = true;
  return t;
}

// The filters a 1D walk runs (run_until_branch and walk_subtree), as recorded in the table.
std::vector<std::string> deciders_of(const ProofSchedule& schedule) {
  std::vector<std::string> names;
  for (int p = kProofNone + 1; p < kProofCount; ++p)
    if ((p != kProofNgram || schedule.ngram_after > 0) && (p != kProofBouncer || schedule.bouncer_after > 0))
      names.push_back(proof_name(p));
  return names;
}

// The work items of this shard: every item i of the (space-determined) frontier with i % M == I.
template <class Geo>
std::vector<const WorkItemOf<Geo>*> shard_items(const Frontier<Geo>& frontier, const EnumerateOptions& opt) {
  std::vector<const WorkItemOf<Geo>*> mine;
  for (size_t i = 0; i < frontier.items.size(); ++i)
    if (i % opt.shard_count == opt.shard_index) mine.push_back(&frontier.items[i]);
  return mine;
}

// Adds the frontier's own leaves (shard 0 only), symmetrises, and fills the metadata.
template <class Geo>
Table finish(const EnumerateOptions& opt, uint32_t cutoff, const Frontier<Geo>& frontier, AccumulatorOf<Geo>& mirrored,
             size_t items_done, const char* backend, double seconds) {
  AccumulatorOf<Geo> unmirrored(opt.space.symbols, cutoff);
  if (opt.shard_index == 0) {
    mirrored.merge(frontier.prefix);
    unmirrored.merge(frontier.root);
  }
  Table t = symmetrize(opt.space, cutoff, unmirrored, mirrored);
  t.meta.backend = backend;
  t.meta.code_version = kVersion;
  t.meta.shard_index = opt.shard_index;
  t.meta.shard_count = opt.shard_count;
  t.meta.work_items_done = items_done;
  t.meta.work_items_total = frontier.items.size();
  t.meta.wall_seconds = seconds;
  if (Geo::kAccounting) {
    const ProofSchedule s = schedule_of(opt, cutoff);
    t.meta.deciders = deciders_of(s);
    t.meta.schedule = schedule_meta(s);
  }
  return t;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <class Geo>
Table enumerate_cpu(const EnumerateOptions& opt, uint32_t cutoff) {
  const auto start = std::chrono::steady_clock::now();
  const Space& space = opt.space;
  check_cutoff(Geo{}, cutoff);
  const ProofSchedule schedule = schedule_of(opt, cutoff);
  Frontier<Geo> frontier = build_frontier<Geo>(space, cutoff, frontier_depth_of<Geo>(opt), schedule);
  const std::vector<const WorkItemOf<Geo>*> mine = shard_items(frontier, opt);

  const int threads = worker_threads(opt, mine.size());
  std::vector<AccumulatorOf<Geo>> accs(threads, AccumulatorOf<Geo>(space.symbols, cutoff));
  std::vector<ExplorerOf<Geo>> explorers;
  explorers.reserve(threads);
  std::atomic<bool> cancel{false};
  for (int i = 0; i < threads; ++i) {
    explorers.emplace_back(space, cutoff, accs[i]);
    explorers.back().set_cancel_flag(&cancel);
    explorers.back().set_schedule(schedule);
  }
  // Per-thread figures for the progress line, published after each item.
  struct Shared { std::mutex mu; std::vector<uint64_t> nodes; std::vector<count_t> covered; } shared;
  shared.nodes.assign(threads, 0);
  shared.covered.assign(threads, 0);
  run_work_items(
      mine.size(), threads, opt, start, cancel,
      [&](int id, size_t i) {
        explorers[id].expand(*mine[i]);
        const AccumulatorOf<Geo>& acc = accs[id];
        std::lock_guard<std::mutex> lock(shared.mu);
        shared.nodes[id] = acc.nodes;
        shared.covered[id] = acc.halting + acc.proved + acc.cutoff_runs;
      },
      [&](Progress& p) {
        std::lock_guard<std::mutex> lock(shared.mu);
        for (int i = 0; i < threads; ++i) {
          p.tree_nodes += shared.nodes[i];
          p.machines_covered += Geo::kImages * shared.covered[i];  // mirrored-root leaves stand for their images
        }
      },
      Geo::kTask);

  AccumulatorOf<Geo> mirrored(space.symbols, cutoff);
  for (const auto& a : accs) mirrored.merge(a);
  return finish(opt, cutoff, frontier, mirrored, mine.size(), "cpu", seconds_since(start));
}

// The shard's items are split further on the CPU (their leaves above the split counted here), so
// that the device gets many small subtrees; `walk` walks them with the same walk_subtree().
template <class Geo>
Table enumerate_on_device(const EnumerateOptions& opt, uint32_t cutoff, const DeviceWalkerOf<Geo>& walk,
                          const char* backend) {
  const auto start = std::chrono::steady_clock::now();
  const Space& space = opt.space;
  check_cutoff(Geo{}, cutoff);
  const int base_depth = frontier_depth_of<Geo>(opt);
  // The device walk runs the default filters (WalkConfig's defaults), so the host side does too.
  EnumerateOptions host_opt = opt;
  const ProofSchedule asked = schedule_of(opt, cutoff), fixed = ProofSchedule::for_cutoff(cutoff);
  if ((asked.ngram_after != fixed.ngram_after || asked.bouncer_after != fixed.bouncer_after) && opt.warn)
    opt.warn("the proof schedule (ngram_after, bouncer_after) applies to the CPU walk; the " + std::string(backend) +
             " walk tries the proofs after its defaults, " + std::to_string(fixed.ngram_after) + " and " +
             std::to_string(fixed.bouncer_after) + " steps");
  host_opt.ngram_after = -1;
  host_opt.bouncer_after = -1;
  Frontier<Geo> frontier = build_frontier<Geo>(space, cutoff, base_depth, fixed);
  const std::vector<const WorkItemOf<Geo>*> mine = shard_items(frontier, opt);

  const int device_depth = opt.device_frontier_depth > 0
                               ? opt.device_frontier_depth
                               : std::min(space.entries() - 1, base_depth + device_split_levels(Geo{}));
  AccumulatorOf<Geo> mirrored(space.symbols, cutoff);
  std::vector<WorkItemOf<Geo>> split;
  std::vector<const WorkItemOf<Geo>*> device_items;
  if (device_depth > base_depth) {
    ExplorerOf<Geo> splitter(space, cutoff, mirrored);
    splitter.collect_frontier(&split, device_depth);
    for (const WorkItemOf<Geo>* item : mine) splitter.expand(*item);
    for (const auto& item : split) device_items.push_back(&item);
  } else {
    device_items = mine;
  }
  const count_t split_covered = mirrored.halting + mirrored.proved + mirrored.cutoff_runs;
  const DeviceLeaves leaves = walk(space, cutoff, device_items, [&](const DeviceProgress& d) {
    if (!opt.progress) return true;
    Progress p;
    p.items_done = d.items_done;
    p.items_total = device_items.size();
    p.tree_nodes = mirrored.nodes + d.nodes;
    p.machines_covered = Geo::kImages * (split_covered + d.covered);  // mirrored-root leaves stand for their images
    p.elapsed_seconds = seconds_since(start);
    return opt.progress(p);
  });
  add_device_leaves(mirrored, leaves);
  Table t = finish(host_opt, cutoff, frontier, mirrored, mine.size(), backend, seconds_since(start));
  t.meta.accounting = RunAccounting{};  // the device threads keep no step accounting
  return t;
}

#ifdef CTM_WITH_CUDA
template <class Geo>
Table enumerate_cuda(const EnumerateOptions& opt, uint32_t cutoff) {
  DeviceWalkOptions walk_opt;
  walk_opt.device = opt.device;
  walk_opt.batch_seconds = opt.progress_interval > 0 ? opt.progress_interval : 0.5;
  return enumerate_on_device<Geo>(
      opt, cutoff,
      [&](const Space& space, uint32_t t, const std::vector<const WorkItemOf<Geo>*>& items,
          const DeviceProgressFn& progress) { return walk_on_device(space, t, items, walk_opt, progress); },
      "cuda");
}

// The wavefront design (host/engine/wavefront.cpp's level loop, kernels/wavefront.cu's launches):
// the levels down to the shard depth on the CPU, the deeper ones on the device.
Table enumerate_cuda_wavefront(const EnumerateOptions& opt, uint32_t cutoff) {
  const auto start = std::chrono::steady_clock::now();
  if (opt.space.dims != 1)
    throw Error("the wavefront GPU design runs 1D spaces only (got " + opt.space.name() + "); use --gpu-design walk");
  WavefrontOptions w;
  w.space = opt.space;
  w.cutoff = cutoff;
  w.shard_index = opt.shard_index;
  w.shard_count = opt.shard_count;
  w.frontier_depth = opt.frontier_depth;
  const ProofSchedule schedule = schedule_of(opt, cutoff);
  w.ngram_after = schedule.ngram_after;
  w.bouncer_after = schedule.bouncer_after;
  w.launch_nodes = 1u << 20;
  w.backend = "cuda-wavefront";
  w.progress = opt.progress;
  w.progress_interval = opt.progress_interval;
  DeviceWalkOptions d;
  d.device = opt.device;
  w.device = [d](const WaveDeviceConfig& c, const std::function<void(WaveExecutor&)>& levels) {
    return wavefront_on_device(c, d, levels);
  };
  Table t = enumerate_wavefront(w).table;
  t.meta.wall_seconds = seconds_since(start);
  return t;
}
#endif

}  // namespace

Table enumerate_device(const EnumerateOptions& opt, uint32_t cutoff, const DeviceWalker& walk, const char* backend) {
  return enumerate_on_device<Tape1d>(opt, cutoff, walk, backend);
}
Table enumerate_device(const EnumerateOptions& opt, uint32_t cutoff, const DeviceWalker2d& walk, const char* backend) {
  return enumerate_on_device<Grid2d>(opt, cutoff, walk, backend);
}

template <class Geo>
void add_device_leaves(AccumulatorOf<Geo>& acc, const DeviceLeaves& leaves) {
  for (const auto& [key, c] : leaves.packed) acc.add_packed(key, c);
  for (const auto& [s, c] : leaves.long_outputs) acc.long_outputs[s] += c;
  acc.halting += leaves.halting;
  acc.proved += leaves.proved;
  acc.cutoff_runs += leaves.cutoff_runs;
  for (size_t t = 0; t < leaves.halt_time.size() && t < acc.halt_time.size(); ++t) acc.halt_time[t] += leaves.halt_time[t];
  acc.nodes += leaves.nodes;
  acc.steps += leaves.steps;
}
template void add_device_leaves<Tape1d>(AccumulatorOf<Tape1d>&, const DeviceLeaves&);
template void add_device_leaves<Grid2d>(AccumulatorOf<Grid2d>&, const DeviceLeaves&);

int default_frontier_depth_1d(const Space& space) { return default_frontier_depth(Tape1d{}, space); }
Table symmetrize_1d(const Space& space, uint32_t cutoff, const Accumulator& unmirrored, const Accumulator& right_first) {
  return symmetrize(space, cutoff, unmirrored, right_first);
}

}  // namespace detail

void check_gpu_design(const std::string& design) {
  if (design != "walk" && design != "wavefront")
    throw Error("unknown GPU design '" + design + "' (expected walk or wavefront)");
}

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
  auto on_cpu = [&] {
    return grid ? detail::enumerate_cpu<Grid2d>(opt, cutoff) : detail::enumerate_cpu<Tape1d>(opt, cutoff);
  };
  std::string backend = opt.backend;
  if (backend != "auto" && backend != "cpu" && backend != "cuda")
    throw Error("unknown backend '" + options.backend + "' (expected auto, cpu or cuda)");
  check_gpu_design(opt.gpu_design);
  if (backend == "auto") backend = cuda_available() ? "cuda" : "cpu";
  if (backend == "cpu") return on_cpu();
#ifdef CTM_WITH_CUDA
  if (!cuda_available()) throw Error(detail::no_cuda_device_message());
  // A bad device index is an error before any work, for auto too (it names a device explicitly).
  if (opt.device < 0 || opt.device >= detail::cuda_device_count())
    throw Error("CUDA device " + std::to_string(opt.device) + " does not exist (" +
                std::to_string(detail::cuda_device_count()) + " device(s) present)");
  auto on_cuda = [&] {
    if (opt.gpu_design == "wavefront") return detail::enumerate_cuda_wavefront(opt, cutoff);
    return grid ? detail::enumerate_cuda<Grid2d>(opt, cutoff) : detail::enumerate_cuda<Tape1d>(opt, cutoff);
  };
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
