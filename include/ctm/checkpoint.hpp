// Resumable enumeration: a table computed as `chunks` shards, each saved in a folder as soon as it
// is done, so a killed run loses at most the chunk in flight (ctm enumerate --resume-dir).
#pragma once
#include <cstdint>
#include <string>

#include "ctm/enumerate.hpp"

namespace ctm {

// Runs shard c of `chunks` for every c whose file `dir`/chunk-c-of-chunks.ctm is missing (writing
// it), reads the others, and returns their merge: the same table as enumerate(opt). A saved chunk
// of another space or cutoff, or one that does not read back, is an Error naming the file (and, for
// an unreadable one, saying to delete it). opt's shard fields are ignored.
Table enumerate_resumable(const EnumerateOptions& opt, const std::string& dir, uint32_t chunks);

}  // namespace ctm
