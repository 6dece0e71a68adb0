// data_dir(): the shipped tables' folder, found relative to the running binary (see data_dir.hpp).
// CTM_INSTALL_DATA_REL and CTM_SOURCE_DATA_DIR are set on this file only (CMakeLists.txt).
#include "ctm/data_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace ctm {

std::string data_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("CTM_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path installed;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    installed = (exe.parent_path() / CTM_INSTALL_DATA_REL).lexically_normal();
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  if (fs::is_directory(CTM_SOURCE_DATA_DIR, ec)) return CTM_SOURCE_DATA_DIR;
  return installed.empty() ? std::string(CTM_SOURCE_DATA_DIR) : installed.string();
}

}  // namespace ctm
