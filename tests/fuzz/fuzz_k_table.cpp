// libFuzzer target: the K-table text importer (ctm::import_k_table: "string,K" / TSV rows, a header,
// '#' comments; plain or gzip). The input is the file. A ctm::Error is a clean rejection.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ctm/table_io.hpp"
#include "ctm/types.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ctm_fuzz::scratch_file(std::string(reinterpret_cast<const char*>(data), size), ".csv");
  try {
    (void)ctm::import_k_table(path);
  } catch (const ctm::Error&) {
  }
  return 0;
}
