// enumerate_resumable (checkpoint.hpp): chunked enumeration with one table file per finished chunk,
// on the chunk loop that MPI jobs use too (host/cluster/job.cpp).
#include "ctm/checkpoint.hpp"

#include "cluster/job.hpp"

namespace ctm {

Table enumerate_resumable(const EnumerateOptions& options, const std::string& dir, uint32_t chunks) {
  if (chunks < 1) throw Error("--resume-dir needs --chunks >= 1");
  return cluster::run_chunks_here(cluster::enumeration_job(options, dir, chunks));
}

}  // namespace ctm
