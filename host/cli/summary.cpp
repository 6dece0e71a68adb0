// What the table commands share: the summary of a table (enumerate, sample, merge, info), the
// progress line, warnings on stderr.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <vector>

#include "commands.hpp"

#include <algorithm>

#include "cluster/job.hpp"
#include "engine/parallel.hpp"
#include "ctm/sample.hpp"

namespace ctm::cli {

std::string human(double v) {
  char buf[32];
  const char* unit[] = {"", "k", "M", "G", "T", "P", "E"};
  int i = 0;
  while (std::fabs(v) >= 1000 && i < 6) { v /= 1000; ++i; }
  std::snprintf(buf, sizeof buf, i ? "%.2f%s" : "%.0f%s", v, unit[i]);
  return buf;
}

void print_summary(const Table& t, std::ostream& out) {
  const TableMeta& m = t.meta;
  out << "space            " << m.space.name() << "\n"
      << "cutoff           " << m.cutoff << "\n"
      << "backend          " << m.backend << " (ctm " << m.code_version << ")\n";
  if (!m.source.empty()) out << "source           " << m.source << "\n";
  if (!t.complete())
    out << "shards           " << (m.shards_covered.empty() ? 1 : m.shards_covered.size()) << " of " << m.shard_count
        << " (partial table: merge the others with ctm merge)\n";
  if (m.sampling.sampled) {
    out << "sampled          seed " << m.sampling.seed << ", machine indices";
    for (const auto& r : m.sampling.ranges) out << " [" << r.start << ", " << r.end << ")";
    out << " (uniform draws; D and K below with 95% Wilson intervals)\n";
  }
  out << "machines         " << to_string(t.machines) << "\n"
      << "halting runs H   " << to_string(t.halting) << "  (all " << m.space.symbols << " blank symbols)\n"
      << "non-halting      " << to_string(t.nonhalting_proved) << " proved, " << to_string(t.nonhalting_cutoff)
      << " cut off at " << m.cutoff << "\n"
      << "distinct outputs " << t.counts.size() << "\n";
  if (m.space.dims == 1) out << "complete to      length " << complete_length(t) << " (every string up to it occurs)\n";
  if (!t.halt_time.empty() && t.halting > 0) {
    uint32_t longest = 0;
    count_t late = 0;
    for (uint32_t i = 0; i < t.halt_time.size(); ++i)
      if (t.halt_time[i]) longest = i;
    for (uint32_t i = t.halt_time.size() / 2; i < t.halt_time.size(); ++i) late += t.halt_time[i];
    out << "halting times    longest " << longest << " steps; " << to_string(late) << " runs halt in the second half of the cutoff\n";
  }
  if (m.wall_seconds > 0)
    out << "wall time        " << m.wall_seconds << " s, " << human(static_cast<double>(m.tree_nodes)) << " partial machines, "
        << human(static_cast<double>(m.simulated_steps)) << " steps\n";
  if (!m.deciders.empty()) {
    out << "deciders        ";
    for (const auto& d : m.deciders) out << " " << d;
    out << "\n";
  }
  if (!m.schedule.empty()) {
    out << "schedule        ";
    bool first = true;
    for (const auto& [name, steps] : m.schedule) {
      out << (first ? " " : ", ") << name << " " << steps;
      first = false;
    }
    out << " (steps of a run segment before the proof is tried; 0 = never)\n";
  }
  if (m.accounting.recorded) {
    const RunAccounting& a = m.accounting;
    // One line per filter map: its non-zero entries, "none" when there are none.
    auto per_filter = [&out](const char* label, const std::map<std::string, uint64_t>& values, const char* unit) {
      out << label;
      bool first = true;
      for (const auto& [name, n] : values) {
        if (!n) continue;
        out << (first ? "" : ", ") << name << " " << n;
        first = false;
      }
      out << (first ? "none" : "") << " (" << unit << ")\n";
    };
    out << "steps            " << a.steps_branch << " to branch points (halting runs), " << a.steps_proved
        << " in runs proved non-halting, " << a.steps_cutoff << " in " << a.cutoff_nodes << " runs cut off\n";
    per_filter("settled by       ", a.settled, "partial machines");
    if (!a.proved_steps.empty()) per_filter("proved steps     ", a.proved_steps, "steps of the runs each filter settled");
  }
  std::vector<std::pair<std::string, count_t>> top(t.counts.begin(), t.counts.end());
  std::sort(top.begin(), top.end(), [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  out << "most frequent    ";
  for (size_t i = 0; i < top.size() && i < 6; ++i) {
    out << (i ? ", " : "") << top[i].first << " (K=" << t.complexity(top[i].first);
    if (m.sampling.sampled) {
      const Interval ki = k_interval(t, top[i].first);
      out << " [" << ki.low << ", " << ki.high << "]";
    }
    out << ")";
  }
  out << "\n";
}

void print_warning(const std::string& message) { std::fprintf(stderr, "ctm: warning: %s\n", message.c_str()); }

std::function<bool(const Progress&)> progress_line(bool quiet, bool tree) {
  if (quiet || !::isatty(STDERR_FILENO)) return {};
  if (tree)
    return [](const Progress& p) {
      const double rate = p.elapsed_seconds > 0 ? p.tree_nodes / p.elapsed_seconds : 0;
      const double frac = p.items_total ? static_cast<double>(p.items_done) / p.items_total : 0;
      const double eta = frac > 0 ? p.elapsed_seconds * (1 - frac) / frac : 0;
      std::fprintf(stderr, "\r%6.2f%%  %s partial machines/s  %s machines covered  ETA %.0f s   ", 100 * frac,
                   human(rate).c_str(), human(to_double(p.machines_covered)).c_str(), eta);
      return true;
    };
  return [](const Progress& p) {
    const double frac = p.items_total ? static_cast<double>(p.items_done) / p.items_total : 0;
    const double eta = frac > 0 ? p.elapsed_seconds * (1 - frac) / frac : 0;
    std::fprintf(stderr, "\r%6.2f%%  %s machines/s  ETA %.0f s   ", 100 * frac,
                 human(p.elapsed_seconds > 0 ? p.items_done / p.elapsed_seconds : 0).c_str(), eta);
    return true;
  };
}

std::function<void(uint32_t, uint32_t, double)> chunk_progress_line(bool quiet, const char* what) {
  if (quiet || !::isatty(STDERR_FILENO) || !cluster::world().root()) return {};
  return [what](uint32_t done, uint32_t total, double secs) {
    const double frac = total ? static_cast<double>(done) / total : 0;
    const double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
    const int ranks = cluster::world().size;
    std::fprintf(stderr, "\r%6.2f%%  %u of %u chunks of the %s, %d rank%s  ETA %.0f s   ", 100 * frac, done, total, what, ranks,
                 ranks > 1 ? "s" : "", eta);
  };
}

int rank_threads(int threads) {
  const cluster::World& w = cluster::world();
  if (w.local_size <= 1) return threads;
  const int total = detail::thread_count(threads);
  return std::max(1, total / w.local_size);
}

void clear_progress_line(bool quiet) {
  if (!quiet && ::isatty(STDERR_FILENO)) std::fprintf(stderr, "\r%80s\r", "");
}

void warn_unused_device(const CLI::App& cmd, const std::string& backend, int device) {
  if (!cmd.count("--device") || backend == "cuda") return;
#ifdef CTM_WITH_CUDA
  const char* why = backend == "cpu" ? "--backend cpu" : (cuda_available() ? nullptr : "no CUDA device on this machine");
#else
  const char* why = "this build has no CUDA support";
#endif
  if (why) print_warning("--device " + std::to_string(device) + " is ignored (" + why + "); the run uses the CPU");
}

}  // namespace ctm::cli
