// libFuzzer target: the table file reader (ctm::decode_table, the body of read_table). The input is a
// whole .ctm file; its trailing CRC-32 is recomputed first so that the fuzzer reaches the metadata
// and payload checks instead of stopping at the checksum. A ctm::Error is a clean rejection.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "ctm/table_io.hpp"
#include "ctm/types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file(reinterpret_cast<const char*>(data), size);
  if (file.size() >= 12) {
    const uint32_t crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(file.data()), static_cast<uInt>(file.size() - 4)));
    for (int i = 0; i < 4; ++i) file[file.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  }
  try {
    const ctm::Table t = ctm::decode_table(file, "fuzz input");
    (void)ctm::encode_table(t);  // what was accepted must write back
  } catch (const ctm::Error&) {
  }
  return 0;
}
