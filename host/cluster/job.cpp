// Chunked runs in one process or over MPI ranks (job.hpp). Rank 0 hands out chunk numbers from a
// server thread (so rank 0 computes too) and gathers each finished chunk as its worker asks for the
// next one; every wait polls with a short sleep, so idle ranks leave the cores to the busy ones.
#include "cluster/job.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "ctm/table_io.hpp"

#ifdef CTM_WITH_MPI
#include <mpi.h>
#endif
#ifdef CTM_WITH_CUDA
#include "cuda_backend.hpp"
#endif

namespace ctm::cluster {
namespace {

World g_world;
bool g_mpi = false;
bool g_root_serves_only = false;

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

// Any launcher that starts ranks (Open MPI's mpirun, MPICH/Hydra, Slurm with PMI/PMIx).
bool launched_by_mpi() {
  return env_set("OMPI_COMM_WORLD_SIZE") || env_set("PMI_SIZE") || env_set("PMIX_RANK") || env_set("PMI_RANK");
}

int env_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 1;
}

// Test hook (docs/cluster.md): CTM_TEST_EXIT_AFTER_CHUNKS=R:K makes rank R exit with status 3, as a
// crashed or killed rank would, right after it has finished (and saved) K chunks.
void maybe_exit_for_test(uint32_t finished_here) {
  const char* spec = std::getenv("CTM_TEST_EXIT_AFTER_CHUNKS");
  if (!spec) return;
  int rank = -1;
  unsigned k = 0;
  if (std::sscanf(spec, "%d:%u", &rank, &k) != 2 || rank != g_world.rank || finished_here < k) return;
  std::fprintf(stderr, "ctm: error: rank %d: stopped by CTM_TEST_EXIT_AFTER_CHUNKS after %u chunks\n", rank, finished_here);
  std::fflush(stderr);
  std::_Exit(3);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A chunk already in the resume folder, read and checked; a damaged one names itself and the fix.
std::optional<Table> saved_chunk(const ChunkJob& job, uint32_t c) {
  if (job.resume_dir.empty()) return std::nullopt;
  const std::string path = chunk_path(job.resume_dir, c, job.chunks);
  if (!std::filesystem::exists(path)) return std::nullopt;
  Table t;
  try {
    t = read_table(path);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + "; delete '" + path + "' and rerun to recompute that chunk");
  }
  if (job.check_saved) job.check_saved(t, path);
  return t;
}

Table compute_chunk(const ChunkJob& job, uint32_t c) {
  Table t = job.run(c);
  if (!job.resume_dir.empty()) write_table(t, chunk_path(job.resume_dir, c, job.chunks));
  return t;
}

Table merge_in_order(std::map<uint32_t, Table>& parts) {
  Table total;
  bool first = true;
  for (auto& [c, t] : parts) {
    if (first) { total = std::move(t); first = false; } else total.merge(t);
  }
  return total;
}

// Checks a job and makes its resume folder (every rank, before any chunk runs).
void prepare(const ChunkJob& job) {
  if (job.chunks < 1) throw Error("a chunked " + job.kind + " needs at least one chunk");
  if (!job.resume_dir.empty()) std::filesystem::create_directories(job.resume_dir);
}

Table run_chunks_local(const ChunkJob& job) {
  const auto t0 = std::chrono::steady_clock::now();
  std::map<uint32_t, Table> parts;
  uint32_t computed = 0;
  for (uint32_t c = 0; c < job.chunks; ++c) {
    if (auto saved = saved_chunk(job, c)) {
      parts.emplace(c, std::move(*saved));
    } else {
      parts.emplace(c, compute_chunk(job, c));
      maybe_exit_for_test(++computed);
    }
    if (job.progress) job.progress(c + 1, job.chunks, seconds_since(t0));
  }
  return merge_in_order(parts);
}

#ifdef CTM_WITH_MPI
constexpr int kTagRequest = 1;  // worker -> 0: first request, no payload
constexpr int kTagResult = 2;   // worker -> 0: u32 chunk number + encoded table; asks for the next
constexpr int kTagAssign = 3;   // 0 -> worker: i32 chunk number, -1 = no more work
constexpr auto kPoll = std::chrono::microseconds(500);

void check_mpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error(std::string("MPI call failed: ") + what);
}

// Waits for a request without spinning a core (Open MPI's blocking calls busy-poll).
void wait_polling(MPI_Request& req) {
  for (;;) {
    int done = 0;
    check_mpi(MPI_Test(&req, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return;
    std::this_thread::sleep_for(kPoll);
  }
}

std::optional<Table> run_chunks_worker(const ChunkJob& job) {
  uint32_t finished = 0;
  std::string message;  // empty: first request
  for (;;) {
    MPI_Request send;
    check_mpi(MPI_Isend(message.data(), static_cast<int>(message.size()), MPI_BYTE, 0,
                        message.empty() ? kTagRequest : kTagResult, MPI_COMM_WORLD, &send), "MPI_Isend");
    int32_t chunk = -1;
    MPI_Request recv;
    check_mpi(MPI_Irecv(&chunk, 1, MPI_INT32_T, 0, kTagAssign, MPI_COMM_WORLD, &recv), "MPI_Irecv");
    wait_polling(send);
    wait_polling(recv);
    if (chunk < 0) return std::nullopt;
    const Table t = compute_chunk(job, static_cast<uint32_t>(chunk));
    maybe_exit_for_test(++finished);
    message.assign(4, '\0');
    const uint32_t c = static_cast<uint32_t>(chunk);
    std::memcpy(message.data(), &c, 4);
    message += encode_table(t);
  }
}

std::optional<Table> run_chunks_root(const ChunkJob& job) {
  const auto t0 = std::chrono::steady_clock::now();
  std::mutex mu;
  std::deque<uint32_t> pending;
  std::map<uint32_t, Table> parts;
  for (uint32_t c = 0; c < job.chunks; ++c) {
    if (auto saved = saved_chunk(job, c)) parts.emplace(c, std::move(*saved));
    else pending.push_back(c);
  }
  auto finished = [&](uint32_t c, Table t) {  // called with mu held
    parts.emplace(c, std::move(t));
    if (job.progress) job.progress(static_cast<uint32_t>(parts.size()), job.chunks, seconds_since(t0));
  };
  auto next = [&]() -> int32_t {
    std::lock_guard<std::mutex> lock(mu);
    if (pending.empty()) return -1;
    const uint32_t c = pending.front();
    pending.pop_front();
    return static_cast<int32_t>(c);
  };
  {
    std::lock_guard<std::mutex> lock(mu);
    if (job.progress) job.progress(static_cast<uint32_t>(parts.size()), job.chunks, 0);
  }

  // The server: only this thread calls MPI until it ends (MPI_THREAD_SERIALIZED is enough).
  std::exception_ptr server_error;
  auto serve = [&] {
    try {
      int active = g_world.size - 1;
      std::string buffer;
      while (active > 0) {
        int flag = 0;
        MPI_Status st;
        check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), "MPI_Iprobe");
        if (!flag) {
          std::this_thread::sleep_for(kPoll);
          continue;
        }
        int bytes = 0;
        MPI_Get_count(&st, MPI_BYTE, &bytes);
        buffer.resize(static_cast<size_t>(bytes));
        check_mpi(MPI_Recv(buffer.data(), bytes, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
        if (st.MPI_TAG == kTagResult) {
          if (buffer.size() < 4) throw Error("rank " + std::to_string(st.MPI_SOURCE) + " sent a short result");
          uint32_t c = 0;
          std::memcpy(&c, buffer.data(), 4);
          Table t = decode_table(buffer.substr(4), "chunk " + std::to_string(c) + " from rank " + std::to_string(st.MPI_SOURCE));
          std::lock_guard<std::mutex> lock(mu);
          finished(c, std::move(t));
        }
        const int32_t c = next();
        if (c < 0) --active;
        check_mpi(MPI_Send(&c, 1, MPI_INT32_T, st.MPI_SOURCE, kTagAssign, MPI_COMM_WORLD), "MPI_Send");
      }
    } catch (...) {
      server_error = std::current_exception();
    }
  };
  if (g_root_serves_only) {
    serve();
    if (server_error) std::rethrow_exception(server_error);
    return merge_in_order(parts);
  }
  std::thread server(serve);

  uint32_t computed = 0;
  try {
    for (int32_t c; (c = next()) >= 0;) {
      Table t = compute_chunk(job, static_cast<uint32_t>(c));
      {
        std::lock_guard<std::mutex> lock(mu);
        finished(static_cast<uint32_t>(c), std::move(t));
      }
      maybe_exit_for_test(++computed);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ctm: error: rank 0: %s\n", e.what());
    abort_job(2);  // the server thread is still serving: end the whole job
  }
  server.join();
  if (server_error) std::rethrow_exception(server_error);
  if (parts.size() != job.chunks) throw Error("internal: " + std::to_string(parts.size()) + " of " + std::to_string(job.chunks) + " chunks gathered");
  return merge_in_order(parts);
}
#endif

}  // namespace

const World& world() { return g_world; }

bool launched_without_mpi() { return !g_mpi && launched_by_mpi() && env_world_size() > 1; }

std::pair<size_t, size_t> my_slice(const std::vector<uint64_t>& weights) {
  const size_t n = weights.size();
  const int ranks = g_world.size, r = g_world.rank;
  unsigned __int128 total = 0;
  for (uint64_t w : weights) total += w + 1;  // +1: empty files still count as work
  // Slice boundaries at the first item whose running weight reaches total * i / ranks.
  auto boundary = [&](int i) -> size_t {
    if (i <= 0) return 0;
    if (i >= ranks) return n;
    const unsigned __int128 goal = total * static_cast<unsigned>(i) / static_cast<unsigned>(ranks);
    unsigned __int128 run = 0;
    for (size_t j = 0; j < n; ++j) {
      if (run >= goal) return j;
      run += weights[j] + 1;
    }
    return n;
  };
  return {boundary(r), boundary(r + 1)};
}

int device_for_rank(int fallback) {
#ifdef CTM_WITH_CUDA
  const int n = detail::cuda_device_count();
  if (n > 0) return g_world.local_rank % n;
#endif
  return fallback;
}

std::string chunk_path(const std::string& dir, uint32_t chunk, uint32_t chunks) {
  return dir + "/chunk-" + std::to_string(chunk) + "-of-" + std::to_string(chunks) + ".ctm";
}

#ifdef CTM_WITH_MPI
std::vector<std::string> gather_to_root(const std::string& mine) {
  if (!g_mpi || g_world.size == 1) return {mine};
  constexpr int kTagGather = 4;
  if (!g_world.root()) {
    MPI_Request req;
    check_mpi(MPI_Isend(mine.data(), static_cast<int>(mine.size()), MPI_BYTE, 0, kTagGather, MPI_COMM_WORLD, &req), "MPI_Isend");
    wait_polling(req);
    return {};
  }
  std::vector<std::string> all(static_cast<size_t>(g_world.size));
  all[0] = mine;
  for (int r = 1; r < g_world.size; ++r) {
    MPI_Status st;
    for (int flag = 0;;) {  // probe with a sleep: Open MPI's blocking probe spins a core
      check_mpi(MPI_Iprobe(r, kTagGather, MPI_COMM_WORLD, &flag, &st), "MPI_Iprobe");
      if (flag) break;
      std::this_thread::sleep_for(kPoll);
    }
    int bytes = 0;
    MPI_Get_count(&st, MPI_BYTE, &bytes);
    all[static_cast<size_t>(r)].resize(static_cast<size_t>(bytes));
    check_mpi(MPI_Recv(all[static_cast<size_t>(r)].data(), bytes, MPI_BYTE, r, kTagGather, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  }
  return all;
}

Session::Session(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) return;
  g_mpi = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_world.size);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_world.rank, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &g_world.local_rank);
  MPI_Comm_size(local, &g_world.local_size);
  MPI_Comm_free(&local);
  // Without MPI_THREAD_SERIALIZED only the main thread may call MPI: rank 0 then serves and does
  // not compute (correct, one rank's worth slower).
  g_root_serves_only = provided < MPI_THREAD_SERIALIZED;
}
Session::~Session() {
  if (g_mpi) MPI_Finalize();
}
void abort_job(int code) {
  std::fflush(stderr);
  if (g_mpi) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}
std::optional<Table> run_chunks(const ChunkJob& job) {
  if (!g_mpi || g_world.size == 1) return run_chunks_here(job);
  prepare(job);
  if (g_world.root()) return run_chunks_root(job);
  try {
    return run_chunks_worker(job);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ctm: error: rank %d: %s\n", g_world.rank, e.what());
    abort_job(2);
  }
}
#else
std::vector<std::string> gather_to_root(const std::string& mine) { return {mine}; }
Session::Session(int&, char**&) {}
Session::~Session() = default;
void abort_job(int code) {
  std::fflush(stderr);
  std::_Exit(code);
}
std::optional<Table> run_chunks(const ChunkJob& job) { return run_chunks_here(job); }
#endif

Table run_chunks_here(const ChunkJob& job) {
  prepare(job);
  return run_chunks_local(job);
}

ChunkJob enumeration_job(const EnumerateOptions& options, const std::string& resume_dir, uint32_t chunks) {
  ChunkJob job;
  job.chunks = chunks;
  job.resume_dir = resume_dir;
  job.kind = "enumeration";
  job.run = [options, chunks](uint32_t c) {
    EnumerateOptions o = options;
    o.shard_index = c;
    o.shard_count = chunks;
    return enumerate(o);
  };
  job.check_saved = [options](const Table& saved, const std::string& path) {
    const TableMeta& m = saved.meta;
    if (m.space.states != options.space.states || m.space.symbols != options.space.symbols ||
        m.space.dims != options.space.dims || (options.cutoff && m.cutoff != options.cutoff) || m.sampling.sampled)
      throw Error("checkpoint '" + path + "' belongs to another run (space " + m.space.name() + ", cutoff " +
                  std::to_string(m.cutoff) + ")");
  };
  return job;
}

ChunkJob sample_job(const SampleOptions& options, const std::string& resume_dir, uint32_t chunks) {
  if (chunks < 1 || chunks > options.machines)
    throw Error("--chunks must be between 1 and --machines (got " + std::to_string(chunks) + ")");
  ChunkJob job;
  job.chunks = chunks;
  job.resume_dir = resume_dir;
  job.kind = "sample";
  job.run = [options, chunks](uint32_t c) {
    const unsigned __int128 m = options.machines;
    const uint64_t lo = static_cast<uint64_t>(m * c / chunks), hi = static_cast<uint64_t>(m * (c + 1) / chunks);
    SampleOptions o = options;
    o.start = options.start + lo;
    o.machines = hi - lo;
    return sample(o);
  };
  job.check_saved = [options](const Table& saved, const std::string& path) {
    const TableMeta& m = saved.meta;
    if (!m.sampling.sampled || m.sampling.seed != options.seed || m.space.states != options.space.states ||
        m.space.symbols != options.space.symbols || m.space.dims != options.space.dims ||
        (options.cutoff && m.cutoff != options.cutoff))
      throw Error("checkpoint '" + path + "' belongs to another run (space " + m.space.name() + ", seed " +
                  std::to_string(m.sampling.seed) + ")");
  };
  return job;
}

}  // namespace ctm::cluster
