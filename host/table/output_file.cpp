// Safe output paths (output_file.hpp): atomic replace for regular files, write-through for symlinks,
// in-place writes for devices and FIFOs, so `--out /dev/null` or a link never loses its node.
#include "ctm/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ctm/types.hpp"

namespace ctm {
namespace {

enum class Kind { kNew, kRegular, kSpecial };

struct Target {
  std::string path;  // after following symlinks
  Kind kind = Kind::kNew;
  mode_t mode = 0;
};

std::string folder_of(const std::string& path) {
  const std::filesystem::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

[[noreturn]] void fail(const std::string& what, const std::string& path, const std::string& why) {
  throw Error("cannot write " + what + " '" + path + "': " + why);
}

// Follows symlinks one link at a time (a relative target is relative to the link's folder), so a
// dangling link names the file to create.
Target resolve(const std::string& path, const std::string& what) {
  if (path.empty()) fail(what, path, "empty path");
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT) return {p, Kind::kNew, 0};
      fail(what, path, std::strerror(errno));
    }
    if (S_ISLNK(st.st_mode)) {
      std::string link(4096, '\0');
      const ssize_t n = ::readlink(p.c_str(), link.data(), link.size());
      if (n < 0) fail(what, path, std::string("cannot read the symlink: ") + std::strerror(errno));
      link.resize(static_cast<size_t>(n));
      p = link.front() == '/' ? link : folder_of(p) + "/" + link;
      continue;
    }
    if (S_ISDIR(st.st_mode)) fail(what, path, "it is a folder");
    if (S_ISREG(st.st_mode)) return {p, Kind::kRegular, st.st_mode};
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) return {p, Kind::kSpecial, st.st_mode};
    fail(what, path, "not a regular file, device or FIFO");
  }
  fail(what, path, "too many levels of symbolic links");
}

void check_folder(const Target& t, const std::string& what, const std::string& path) {
  const std::string dir = folder_of(t.path);
  if (!std::filesystem::is_directory(dir)) fail(what, path, "folder '" + dir + "' does not exist");
  if (::access(dir.c_str(), W_OK) != 0) fail(what, path, "folder '" + dir + "' is not writable");
}

void write_all(int fd, std::string_view bytes, const std::string& what, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      fail(what, path, std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
}

}  // namespace

void check_output_path(const std::string& path, const std::string& what) {
  const Target t = resolve(path, what);
  if (t.kind == Kind::kSpecial) {
    if (::access(t.path.c_str(), W_OK) != 0) fail(what, path, std::strerror(errno));
    return;
  }
  check_folder(t, what, path);
}

void write_output_file(const std::string& path, std::string_view bytes, const std::string& what) {
  const Target t = resolve(path, what);
  if (t.kind == Kind::kSpecial) {
    // A FIFO blocks here until a reader opens it, as a shell redirection would.
    const int fd = ::open(t.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) fail(what, path, std::strerror(errno));
    write_all(fd, bytes, what, path);
    if (::close(fd) != 0) fail(what, path, std::strerror(errno));
    return;
  }
  check_folder(t, what, path);
  const std::string tmp = t.path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail(what, path, "cannot create '" + tmp + "': " + std::strerror(errno));
  try {
    if (t.kind == Kind::kRegular) ::fchmod(fd, t.mode & 07777);  // best effort: keep the old file's mode
    write_all(fd, bytes, what, path);
    if (::fsync(fd) != 0) {
      const int err = errno;
      ::close(fd);
      fail(what, path, std::strerror(err));
    }
    if (::close(fd) != 0) fail(what, path, std::strerror(errno));
    if (std::rename(tmp.c_str(), t.path.c_str()) != 0) fail(what, path, std::string("rename failed (") + std::strerror(errno) + ")");
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

std::string gzip_bytes(std::string_view data, int level) {
  if (data.size() > 0xffffffffu) throw Error("gzip: input over 4 GiB");
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw Error("gzip: deflateInit2 failed");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const size_t produced = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw Error("gzip: compression failed");
  out.resize(produced);
  return out;
}

}  // namespace ctm
