// The library's version, recorded in every table it writes.
#pragma once
namespace ctm {
inline constexpr const char* kVersion = "0.1.0";
}
