// The CPU backends' thread pool over work items: a dynamic queue, progress reports from the calling
// thread and cancellation. Shared by the 1D and 2D enumerators. Internal to host/.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "ctm/enumerate.hpp"

namespace ctm::detail {

// `requested` threads, or every hardware thread (at least 1) when it is 0 or less.
int thread_count(int requested);

// Threads to use for `items` work items: opt.threads (0 = all hardware threads), at most one per item.
int worker_threads(const EnumerateOptions& opt, size_t items);

// Calls work(thread, i) for every i in [0, count) on `threads` threads that take items from one
// queue. Every opt.progress_interval seconds the calling thread fills a Progress (items, elapsed
// time, then fill(p) for backend figures) and passes it to opt.progress; false cancels, and this
// function then throws Cancelled naming `what`. `cancel` is also set for the workers to see. A run
// that finishes uncancelled reports once more, with every item done (so even a run shorter than
// the first report's wait reports).
void run_work_items(size_t count, int threads, const EnumerateOptions& opt,
                    std::chrono::steady_clock::time_point start, std::atomic<bool>& cancel,
                    const std::function<void(int thread, size_t item)>& work,
                    const std::function<void(Progress&)>& fill, const std::string& what);

}  // namespace ctm::detail

namespace ctm::detail {

// Calls body(thread, i) for every i in [0, count) on min(threads, count) threads (0 = all hardware
// threads) that take items from one queue; thread ids are 0..threads-1, one call at a time per id.
// The first exception a call throws stops the threads from taking new items and is rethrown here
// once all have joined (so a throw in a worker never ends the process). One thread: no new threads.
void parallel_for(size_t count, int threads, const std::function<void(int thread, size_t item)>& body);

}  // namespace ctm::detail
