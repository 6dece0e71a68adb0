// Shared helpers of the Python extension ctm._ctm: NumPy arrays that own a std::vector, exact
// 128-bit counts as Python ints, and running library work off the GIL with Ctrl-C and progress.
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <functional>
#include <vector>

#include "ctm/enumerate.hpp"
#include "ctm/table.hpp"

namespace ctm_py {
namespace nb = nanobind;

// A NumPy array that owns `v` (no copy).
template <class T>
nb::ndarray<nb::numpy, T> owned_array(std::vector<T>&& v, std::initializer_list<size_t> shape) {
  auto* heap = new std::vector<T>(std::move(v));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(heap->data(), shape, owner);
}

nb::object py_int(ctm::count_t v);  // exact Python int

// Runs `work` on a separate thread with the GIL released. The calling (main) thread wakes every
// 50 ms: it checks for signals (Ctrl-C -> KeyboardInterrupt after cancelling the work through the
// progress callback handed to `work`) and calls the Python `callback` (may be None) with the latest
// progress every `interval` seconds; a callback that raises cancels the work and its exception is
// re-raised, one that returns False cancels it and raises ctm.Cancelled.
using ProgressHook = std::function<bool(const ctm::Progress&)>;
ctm::Table run_cancellable(const std::function<ctm::Table(const ProgressHook&)>& work, nb::handle callback,
                           double interval);

void bind_tables(nb::module_& m);
void bind_bdm(nb::module_& m);
void bind_collapse(nb::module_& m);

}  // namespace ctm_py
