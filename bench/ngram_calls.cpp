// The calls of ngram_proof that the tree walk makes, replayed: a probe for instructions per call
// (`perf stat -e instructions:u` of the "call" mode minus the "read" mode, divided by the calls).
//   ngram_calls walk N K T A LONG MAX STRIDE FILE: walks the tree of (n,k) at cutoff T as
//     walk_subtree does (root right moves only, the last entry settled without a run) with the n-gram
//     proof off, finds for each run segment the tries that the schedule "L=2 after A steps of the
//     segment, L=LONG kNgramLongDelay * A steps later" makes (run_until_branch's rule), and writes every STRIDE-th of them,
//     up to MAX, to FILE;
//   ngram_calls read|call FILE [LEN [REPS]]: reads them; `call` also calls ngram_proof on each, REPS
//     times, at its own window or at LEN when LEN > 0 (the machines the walk tries, another window).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include "core/tm.hpp"

using namespace ctm;

namespace {

struct Try {
  PartialMachine m;
  int len;
};

}  // namespace

int main(int argc, char** argv) {
  const bool walk = argc >= 10 && std::strcmp(argv[1], "walk") == 0;
  const bool call = argc >= 3 && std::strcmp(argv[1], "call") == 0;
  if (!walk && !call && !(argc >= 3 && std::strcmp(argv[1], "read") == 0)) {
    std::fprintf(stderr, "usage: ngram_calls walk N K T A LONG MAX STRIDE FILE | read FILE | call FILE [LEN [REPS]]\n");
    return 2;
  }
  std::vector<Try> tries;
  if (!walk) {
    std::FILE* in = std::fopen(argv[2], "rb");
    if (!in) { std::perror(argv[2]); return 1; }
    Try x;
    while (std::fread(&x, sizeof x, 1, in) == 1) tries.push_back(x);
    std::fclose(in);
    const int fixed_len = argc > 3 ? std::atoi(argv[3]) : 0;
    const int reps = argc > 4 ? std::atoi(argv[4]) : 1;
    uint64_t proved = 0, calls = 0;
    if (call)
      for (int rep = 0; rep < reps; ++rep)
        for (const Try& t : tries) {
          proved += ngram_proof(t.m, fixed_len ? fixed_len : t.len, 0);
          ++calls;
        }
    std::printf("%zu tries read; %llu calls, %llu proved\n", tries.size(), (unsigned long long)calls,
                (unsigned long long)proved);
    return 0;
  }
  const int n = std::atoi(argv[2]), k = std::atoi(argv[3]);
  const uint32_t cutoff = static_cast<uint32_t>(std::atoi(argv[4])), after = static_cast<uint32_t>(std::atoi(argv[5]));
  const int long_len = std::atoi(argv[6]);
  const size_t max_tries = std::strtoull(argv[7], nullptr, 10);
  const uint64_t stride = std::strtoull(argv[8], nullptr, 10);
  const int window = ngram_window(n, k);
  const int full = long_len < window ? long_len : window;
  const int first = full < kNgramShortWindow ? full : kNgramShortWindow;

  uint64_t seen = 0, nodes = 0, short_proved = 0, long_proved = 0;
  const size_t width = 2 * static_cast<size_t>(cutoff) + 5;
  std::vector<uint8_t> scratch(3 * width, 0);
  const ProofScratch ps{scratch.data(), scratch.data() + width, scratch.data() + 2 * width, static_cast<int32_t>(width)};
  // A try at step `at` of the run happens when the segment (run with no n-gram proof) reaches the
  // top of run_until_branch's loop with steps == at: it stopped later, or at an undefined entry there.
  auto reaches = [&](uint32_t at, StopReason stop, uint32_t end) {
    return at < cutoff && (end > at || (end == at && stop == StopReason::kUndefined));
  };
  auto take = [&](const PartialMachine& m, int len) {
    if (tries.size() < max_tries && seen++ % stride == 0) tries.push_back(Try{m, len});
  };
  std::function<void(const PartialMachine&, const RunState&, const std::vector<uint8_t>&)> expand =
      [&](const PartialMachine& m, const RunState& r, const std::vector<uint8_t>& cells) {
        if (tries.size() >= max_tries) return;
        const int e = r.state * k + cells[r.head + cutoff + 2];
        const int choices = m.used_states < n ? m.used_states + 1 : n;
        for (int w = 0; w < k; ++w)
          for (int mv = 0; mv < 2; ++mv)
            for (int nx = 0; nx < choices; ++nx) {
              if (m.defined_count == 0 && mv != kRight) continue;  // the mirrored root
              PartialMachine c = m;
              define_entry(c, e, Transition{static_cast<uint8_t>(w), static_cast<uint8_t>(mv), static_cast<uint8_t>(nx), 0});
              ++nodes;
              if (c.defined_count == n * k) continue;  // settled as complete, never run
              std::vector<uint8_t> t = cells;
              RunState cr = r;
              uint8_t* tape = t.data() + cutoff + 2;
              apply_transition(c.entry[e], cr, tape, 0);
              const uint32_t start = cr.steps;
              const StopReason stop = run_until_branch(c, cr, tape, cutoff, 0, ps, 0);
              if (after && reaches(start + after, stop, cr.steps)) {
                take(c, first);
                if (ngram_proof(c, first, 0)) { ++short_proved; continue; }
                if (first < full && reaches(start + (1 + kNgramLongDelay) * after, stop, cr.steps)) {
                  take(c, full);
                  if (ngram_proof(c, full, 0)) { ++long_proved; continue; }
                }
              }
              if (stop == StopReason::kUndefined) expand(c, cr, t);
            }
      };
  PartialMachine root{};
  root.n = static_cast<uint8_t>(n);
  root.k = static_cast<uint8_t>(k);
  root.used_states = 1;
  expand(root, RunState{0, 0, 0, 0, 0, 0}, std::vector<uint8_t>(width, 0));
  uint64_t by_len[kNgramMaxWindow + 1] = {};
  for (const Try& x : tries) ++by_len[x.len];
  std::printf("(%d,%d) T=%u after %u long %d: %llu nodes walked, %llu tries (%llu proved at L=%d, %llu at L=%d), %zu kept",
              n, k, cutoff, after, full, (unsigned long long)nodes, (unsigned long long)seen,
              (unsigned long long)short_proved, first, (unsigned long long)long_proved, full, tries.size());
  for (int len = 1; len <= kNgramMaxWindow; ++len)
    if (by_len[len]) std::printf(", L=%d: %llu", len, (unsigned long long)by_len[len]);
  std::printf("\n");
  std::FILE* out = std::fopen(argv[9], "wb");
  if (!out || std::fwrite(tries.data(), sizeof(Try), tries.size(), out) != tries.size()) { std::perror(argv[9]); return 1; }
  std::fclose(out);
  return 0;
}
