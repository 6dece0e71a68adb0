// TOML collapse configs: the same keys as the JSON config (docs/collapse.md). The TOML document is
// turned into the equivalent JSON value and handed to config_from_json, so both formats accept and
// reject exactly the same configurations. Parsing is toml++ (Debian libtomlplusplus-dev); a build
// without it reports that TOML is unavailable instead of guessing.
#include <string>

#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

#ifdef CTM_WITH_TOML
#include <nlohmann/json.hpp>
// toml++ 3.3 asserts things about its input (e.g. "[= 4" trips parse_key's assertion, found by
// tests/fuzz/): with NDEBUG those become compiler assumptions (undefined behaviour under clang), without
// it an abort. Keep them as checks that reject the input instead.
#ifdef NDEBUG
#undef NDEBUG
#endif
// Inside toml++'s noexcept functions the throw ends the process as its assert would (GCC says so
// with -Wterminate); the asserts that malformed input reaches (tests/test_parsers.cpp) throw cleanly.
#define TOML_ASSERT(expr) ((expr) ? static_cast<void>(0) : throw ctm::Error("config: not valid TOML (malformed input)"))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wterminate"
#include <toml++/toml.h>
#pragma GCC diagnostic pop
#endif

namespace ctm::collapse {

#ifdef CTM_WITH_TOML
namespace {

nlohmann::json to_json(const toml::node& node) {
  if (const auto* t = node.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [key, value] : *t) j[std::string(key.str())] = to_json(value);
    return j;
  }
  if (const auto* a = node.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& value : *a) j.push_back(to_json(value));
    return j;
  }
  if (const auto* v = node.as_string()) return v->get();
  if (const auto* v = node.as_integer()) return v->get();
  if (const auto* v = node.as_floating_point()) return v->get();
  if (const auto* v = node.as_boolean()) return v->get();
  const auto where = node.source().begin;
  throw Error("config: line " + std::to_string(where.line) + ": dates and times are not config values");
}

}  // namespace

CollapseConfig config_from_toml(const std::string& text) {
  // toml++ 3.3 reaches __builtin_unreachable() on some non-ASCII characters (e.g. U+040B after '[',
  // found by tests/fuzz/): undefined behaviour. Config keys and values are ASCII (write \uXXXX in a
  // string), so other bytes are refused before toml++ sees them.
  size_t line = 1;
  for (const char ch : text) {
    if (ch == '\n') ++line;
    if (static_cast<unsigned char>(ch) >= 0x80)
      throw Error("config: line " + std::to_string(line) + ": a TOML config must be ASCII (write \\uXXXX in strings)");
  }
  toml::table doc;
  try {
    doc = toml::parse(text);
  } catch (const toml::parse_error& e) {
    const auto where = e.source().begin;
    throw Error("config: not valid TOML (line " + std::to_string(where.line) + ", column " +
                std::to_string(where.column) + "): " + std::string(e.description()));
  }
  return config_from_json(to_json(doc).dump());
}

bool toml_supported() { return true; }
#else
CollapseConfig config_from_toml(const std::string&) {
  throw Error("config: this build of ctm has no TOML support (install libtomlplusplus-dev and rebuild), use JSON");
}

bool toml_supported() { return false; }
#endif

}  // namespace ctm::collapse
