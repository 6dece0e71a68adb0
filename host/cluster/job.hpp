// One job over many processes (MPI ranks): chunks of a table handed out dynamically, each saved
// when a resume folder is given, and one exact reduction on rank 0 (docs/cluster.md). Without MPI
// (a build without it, or a plain launch) the same calls run the chunks in this process, so the
// CLI has one code path for `ctm enumerate --resume-dir` and `mpirun ctm enumerate`.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ctm/enumerate.hpp"
#include "ctm/sample.hpp"
#include "ctm/table.hpp"

namespace ctm::cluster {

struct World {
  int rank = 0, size = 1;              // in the whole job
  int local_rank = 0, local_size = 1;  // among the ranks on this node (GPU choice, thread share)
  bool root() const { return rank == 0; }
};

// Starts MPI when this build has it and the process was launched by an MPI launcher (mpirun, srun);
// otherwise a one-rank world. Finalizes MPI on destruction. One per process, made first in main().
class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

const World& world();
// Launched by an MPI launcher with several ranks, but built without MPI: every rank would write the
// same file, so the CLI refuses.
bool launched_without_mpi();
// The CUDA device of this rank: local rank modulo the node's devices (`fallback` without any).
int device_for_rank(int fallback);
// Ends the whole job after a rank failed (MPI_Abort); a plain process exits with `code`.
[[noreturn]] void abort_job(int code);

struct ChunkJob {
  uint32_t chunks = 1;
  std::string resume_dir;                   // empty: chunks are kept in memory only
  std::string kind = "run";                 // in messages: "enumeration", "sample"
  std::function<Table(uint32_t chunk)> run;  // computes one chunk (any rank, any order)
  // Throws ctm::Error when a chunk file found in resume_dir belongs to another run.
  std::function<void(const Table& saved, const std::string& path)> check_saved;
  // Rank 0 only: chunks finished (saved ones included) of the total, seconds since the start.
  std::function<void(uint32_t done, uint32_t total, double seconds)> progress;
};

// The chunk file of chunk c of C in `dir` (the same names with and without MPI, so a run resumes
// under any number of ranks).
std::string chunk_path(const std::string& dir, uint32_t chunk, uint32_t chunks);

// The chunks of an enumeration (chunk c = shard c/C; options' own shard fields are ignored) and of a
// sample (chunk c = indices [start + m*c/C, start + m*(c+1)/C) of the seed, which merge into the one
// range [start, start + m)), with the checks that a saved chunk belongs to the same run.
ChunkJob enumeration_job(const EnumerateOptions& options, const std::string& resume_dir, uint32_t chunks);
ChunkJob sample_job(const SampleOptions& options, const std::string& resume_dir, uint32_t chunks);

// Every chunk in this process, whatever the world (the library's resumable runs).
Table run_chunks_here(const ChunkJob& job);

// Collective over the world: every chunk is computed once (or read from resume_dir) and rank 0
// returns their merge, taken in chunk order, so the table is the same whatever the number of ranks
// and whichever rank ran which chunk; the other ranks return nothing.
std::optional<Table> run_chunks(const ChunkJob& job);

// Collective: every rank's text, in rank order, on rank 0 (the other ranks get an empty list). In
// a one-rank world, {mine}.
std::vector<std::string> gather_to_root(const std::string& mine);

// The contiguous slice [first, last) of `weights` (e.g. input file sizes) this rank takes so that
// the slices hold about equal weight and, read in rank order, keep the original order.
std::pair<size_t, size_t> my_slice(const std::vector<uint64_t>& weights);

}  // namespace ctm::cluster
