// Safe output paths for every file ctm writes (tables, block tables, text results): a regular file
// or a new path is replaced atomically, a symlink is written through to its target, and a device
// or FIFO is written in place, never replaced by a regular file.
#pragma once
#include <string>
#include <string_view>

namespace ctm {

// Checks before a long computation that `path` can be written (its folder exists and is writable,
// it is not a folder); follows symlinks. Throws ctm::Error("cannot write <what> '<path>': ...").
void check_output_path(const std::string& path, const std::string& what = "file");

// Writes `bytes` to `path`:
//   - a new path or a regular file: a temporary file beside it, flushed to disk, renamed over it
//     (the old content stays whole until the new one is complete; the file mode is kept);
//   - a symlink (chains included): the same, at the link's final target; the link stays a link;
//   - a character or block device, a FIFO: opened and written directly, never renamed over or
//     truncated (writing to /dev/null works; /dev/full gives "No space left on device");
//   - a folder, a socket, a dangling link into a missing folder: refused.
// Every failed write, flush or close throws ctm::Error naming `what` and `path`.
void write_output_file(const std::string& path, std::string_view bytes, const std::string& what = "file");

// Gzip (RFC 1952) of `data` in memory, for writers of `.gz` files through write_output_file.
std::string gzip_bytes(std::string_view data, int level = 9);

}  // namespace ctm
