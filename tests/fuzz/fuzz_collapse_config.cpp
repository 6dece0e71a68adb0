// libFuzzer target: the collapse config parsers (ctm::collapse::config_from_json, and
// config_from_toml when the build has toml++). The first byte picks the format, the rest is the text.
// An accepted config must write back as JSON that parses to the same config.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool toml = (data[0] & 1) != 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const auto c = toml ? ctm::collapse::config_from_toml(text) : ctm::collapse::config_from_json(text);
    const std::string back = ctm::collapse::config_to_json(c);
    if (ctm::collapse::config_to_json(ctm::collapse::config_from_json(back)) != back) __builtin_trap();
  } catch (const ctm::Error&) {
  }
  return 0;
}
