// Thread pool over work items with progress and cancellation (see parallel.hpp).
#include "parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ctm::detail {

int thread_count(int requested) {
  return requested > 0 ? requested : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int worker_threads(const EnumerateOptions& opt, size_t items) {
  return std::max(1, std::min<int>(thread_count(opt.threads), static_cast<int>(std::max<size_t>(items, 1))));
}

void run_work_items(size_t count, int threads, const EnumerateOptions& opt,
                    std::chrono::steady_clock::time_point start, std::atomic<bool>& cancel,
                    const std::function<void(int, size_t)>& work, const std::function<void(Progress&)>& fill,
                    const std::string& what) {
  // The items run on parallel_for from a thread of their own (its exception comes back in `failed`)
  // while this thread reports progress; a throwing report cancels the items before it is rethrown.
  std::atomic<size_t> done{0};
  std::atomic<bool> finished{false};
  std::exception_ptr failed;
  std::thread items([&] {
    try {
      parallel_for(count, threads, [&](int id, size_t i) {
        if (cancel.load()) return;
        work(id, i);
        done.fetch_add(1);
      });
    } catch (...) {
      failed = std::current_exception();
    }
    finished.store(true);
  });
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  auto report = [&] {
    Progress p;
    p.items_done = done.load();
    p.items_total = count;
    p.elapsed_seconds = elapsed();
    if (fill) fill(p);
    return opt.progress(p);
  };
  try {
    for (double next_report = opt.progress_interval; opt.progress && !finished.load() && !cancel.load();) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (elapsed() < next_report) continue;
      next_report = elapsed() + opt.progress_interval;
      if (!report()) cancel.store(true);
    }
  } catch (...) {
    cancel.store(true);
    items.join();
    throw;
  }
  items.join();
  if (failed) std::rethrow_exception(failed);
  // The last report: every item done (a run shorter than the first report's wait reports this one
  // only). Nothing is left to cancel, so its answer is not asked.
  if (opt.progress && !cancel.load()) report();
  if (cancel.load())
    throw Cancelled(what + " cancelled after " + std::to_string(done.load()) + " of " + std::to_string(count) +
                    " work items");
}

}  // namespace ctm::detail

namespace ctm::detail {

void parallel_for(size_t count, int threads, const std::function<void(int, size_t)>& body) {
  threads = static_cast<int>(std::min<size_t>(static_cast<size_t>(thread_count(threads)), std::max<size_t>(count, 1)));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first;
  std::mutex first_mutex;
  auto worker = [&](int id) {
    try {
      for (size_t i; !failed.load() && (i = next.fetch_add(1)) < count;) body(id, i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(first_mutex);
      if (!first) first = std::current_exception();
      failed.store(true);
    }
  };
  if (threads == 1) {
    worker(0);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
    for (auto& t : pool) t.join();
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace ctm::detail
