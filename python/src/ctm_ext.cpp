// The Python extension ctm._ctm (nanobind) over the C++ library: tables (enumerate, sample, files,
// exact counts), with BDM and collapse bound in ext_bdm.cpp and ext_collapse.cpp. The Python
// package `ctm` (python/ctm) wraps it; this layer only converts types and manages the GIL.
#include <nanobind/stl/map.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "ctm/sample.hpp"
#include "ctm/table_io.hpp"
#include "ctm/version.hpp"
#include "ext_common.hpp"

namespace ctm_py {

nb::object py_int(ctm::count_t v) {
  const auto hi = static_cast<unsigned long long>(v >> 64), lo = static_cast<unsigned long long>(v);
  nb::object low = nb::steal(PyLong_FromUnsignedLongLong(lo));
  if (hi == 0) return low;
  nb::object high = nb::steal(PyLong_FromUnsignedLongLong(hi)), shift = nb::steal(PyLong_FromLong(64));
  nb::object shifted = nb::steal(PyNumber_Lshift(high.ptr(), shift.ptr()));
  return nb::steal(PyNumber_Or(shifted.ptr(), low.ptr()));
}

namespace {
PyObject* g_cancelled = nullptr;  // ctm.Cancelled (set at import, kept alive for good)

struct SavedError {
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  bool set() const { return type != nullptr; }
  void fetch() { PyErr_Fetch(&type, &value, &tb); }
  [[noreturn]] void raise() {
    PyErr_Restore(type, value, tb);
    throw nb::python_error();
  }
};
}  // namespace

ctm::Table run_cancellable(const std::function<ctm::Table(const ProgressHook&)>& work, nb::handle callback,
                           double interval) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false, fresh = false, refused = false;
  ctm::Progress last;
  std::atomic<bool> cancel{false};
  std::exception_ptr failure;
  ctm::Table result;
  SavedError error;
  const bool has_cb = callback.is_valid() && !callback.is_none();
  ProgressHook hook = [&](const ctm::Progress& p) {
    {
      std::lock_guard<std::mutex> l(mu);
      last = p;
      fresh = true;
    }
    return !cancel.load();
  };
  {
    nb::gil_scoped_release release;
    std::thread worker([&] {
      try {
        result = work(hook);
      } catch (...) {
        failure = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> l(mu);
        done = true;
      }
      cv.notify_all();
    });
    auto next_call = std::chrono::steady_clock::now();
    for (;;) {
      std::unique_lock<std::mutex> l(mu);
      cv.wait_for(l, std::chrono::milliseconds(50), [&] { return done; });
      if (done) break;
      const ctm::Progress p = last;
      const bool have = fresh;
      l.unlock();
      if (cancel.load()) continue;
      nb::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) {
        error.fetch();
        cancel = true;
        continue;
      }
      const auto now = std::chrono::steady_clock::now();
      if (has_cb && have && now >= next_call) {
        next_call = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(interval));
        {
          std::lock_guard<std::mutex> l2(mu);
          fresh = false;
        }
        try {
          nb::object r = callback(p.items_done, p.items_total, p.tree_nodes, py_int(p.machines_covered), p.elapsed_seconds);
          if (r.is_valid() && !r.is_none() && !nb::cast<bool>(r)) {
            refused = true;
            cancel = true;
          }
        } catch (nb::python_error& e) {
          e.restore();
          error.fetch();
          cancel = true;
        }
      }
    }
    worker.join();
  }
  if (error.set()) error.raise();
  if (refused) {
    PyErr_SetString(g_cancelled, "cancelled by the progress callback");
    throw nb::python_error();
  }
  if (failure) std::rethrow_exception(failure);
  // The run's last report (every item done) when the loop above has not passed it on: a run shorter
  // than the loop's wait reports this one only. Nothing is left to cancel, so its answer is not asked.
  if (has_cb && fresh) callback(last.items_done, last.items_total, last.tree_nodes, py_int(last.machines_covered),
                                last.elapsed_seconds);
  return result;
}

namespace {

ctm::Space make_space(int states, int symbols, int dims) {
  ctm::Space s;
  s.states = states;
  s.symbols = symbols;
  s.dims = dims;
  return s;
}

ctm::Table py_enumerate(int states, int symbols, int dims, uint32_t cutoff, const std::string& backend, int threads,
                        uint32_t shard_index, uint32_t shard_count, int ngram_after, int bouncer_after,
                        nb::handle callback, double interval) {
  ctm::EnumerateOptions o;
  o.ngram_after = ngram_after;
  o.bouncer_after = bouncer_after;
  o.space = make_space(states, symbols, dims);
  o.space.validate();
  o.cutoff = cutoff;
  o.backend = backend;
  o.threads = threads;
  o.shard_index = shard_index;
  o.shard_count = shard_count;
  o.progress_interval = 0.05;
  return run_cancellable(
      [&](const ProgressHook& hook) {
        ctm::EnumerateOptions local = o;
        local.progress = hook;
        return ctm::enumerate(local);
      },
      callback, interval);
}

// The range runs in chunks (sampled tables over disjoint adjacent ranges merge exactly into the
// table of the whole range), so that a backend without progress reports still reports after each
// chunk; a chunk's own reports are passed on as progress through the whole range.
ctm::Table py_sample(int states, int symbols, int dims, uint32_t cutoff, uint64_t seed, uint64_t start,
                     uint64_t machines, const std::string& backend, int threads, nb::handle callback, double interval) {
  ctm::SampleOptions o;
  o.space = make_space(states, symbols, dims);
  o.space.validate_sampled();
  if (machines == 0) throw ctm::Error("machines must be positive");
  o.cutoff = cutoff;
  o.seed = seed;
  o.backend = backend;
  o.threads = threads;
  o.progress_interval = 0.05;
  return run_cancellable(
      [&](const ProgressHook& hook) {
        const uint64_t chunk = std::max<uint64_t>(4096, (machines + 49) / 50);
        const auto t0 = std::chrono::steady_clock::now();
        ctm::Table total;
        bool first = true;
        for (uint64_t done = 0; done < machines;) {
          ctm::SampleOptions local = o;
          local.start = start + done;
          local.machines = std::min(chunk, machines - done);
          local.progress = [&, done](const ctm::Progress& q) {
            ctm::Progress g = q;
            g.items_done = done + q.items_done;
            g.items_total = machines;
            g.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            return hook(g);
          };
          ctm::Table part = ctm::sample(local);
          if (first) total = std::move(part); else total.merge(part);
          first = false;
          done += local.machines;
          ctm::Progress p;
          p.items_done = done;
          p.items_total = machines;
          p.machines_covered = done;
          p.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          if (!hook(p) && done < machines) throw ctm::Cancelled("sampling cancelled");
        }
        return total;
      },
      callback, interval);
}

nb::dict table_info(const ctm::Table& t) {
  nb::dict d;
  const auto& m = t.meta;
  d["space"] = m.space.name() + (m.space.dims == 2 ? "_2D" : "");
  d["states"] = m.space.states;
  d["symbols"] = m.space.symbols;
  d["dims"] = m.space.dims;
  d["cutoff"] = m.cutoff;
  d["backend"] = m.backend;
  d["code_version"] = m.code_version;
  d["wall_seconds"] = m.wall_seconds;
  d["tree_nodes"] = m.tree_nodes;
  d["simulated_steps"] = m.simulated_steps;
  d["shard_index"] = m.shard_index;
  d["shard_count"] = m.shard_count;
  d["shards_covered"] = m.shards_covered;
  d["work_items_done"] = m.work_items_done;
  d["work_items_total"] = m.work_items_total;
  d["source"] = m.source;
  d["sampled"] = m.sampling.sampled;
  if (m.sampling.sampled) {
    d["seed"] = m.sampling.seed;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const auto& r : m.sampling.ranges) ranges.emplace_back(r.start, r.end);
    d["ranges"] = ranges;
  }
  // The filters that ran and, when the CPU walk recorded it, where the steps went (docs/deciders.md).
  d["deciders"] = m.deciders;
  d["schedule"] = m.schedule;
  if (m.accounting.recorded) {
    const ctm::RunAccounting& a = m.accounting;
    nb::dict acc;
    acc["steps_branch"] = a.steps_branch;
    acc["steps_proved"] = a.steps_proved;
    acc["steps_cutoff"] = a.steps_cutoff;
    acc["cutoff_nodes"] = a.cutoff_nodes;
    acc["settled"] = a.settled;
    acc["proved_steps"] = a.proved_steps;
    d["accounting"] = acc;
  } else {
    d["accounting"] = nb::none();
  }
  d["complete"] = t.complete();
  d["complete_length"] = ctm::complete_length(t);  // 1D: every string up to this length occurs
  d["outputs"] = t.counts.size();
  d["machines"] = py_int(t.machines);
  d["runs"] = py_int(t.runs());
  d["halting"] = py_int(t.halting);
  d["nonhalting_proved"] = py_int(t.nonhalting_proved);
  d["nonhalting_cutoff"] = py_int(t.nonhalting_cutoff);
  return d;
}

// (strings sorted by length then string, count high words, count low words, K)
nb::tuple table_columns(const ctm::Table& t) {
  std::vector<const std::pair<const std::string, ctm::count_t>*> rows;
  rows.reserve(t.counts.size());
  for (const auto& kv : t.counts) rows.push_back(&kv);
  std::stable_sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->first.size() < b->first.size(); });
  std::vector<uint64_t> hi(rows.size()), lo(rows.size());
  std::vector<double> k(rows.size());
  nb::list strings;
  for (size_t i = 0; i < rows.size(); ++i) {
    strings.append(nb::str(rows[i]->first.c_str(), rows[i]->first.size()));
    hi[i] = static_cast<uint64_t>(rows[i]->second >> 64);
    lo[i] = static_cast<uint64_t>(rows[i]->second);
    k[i] = t.complexity(rows[i]->first);
  }
  const size_t n = rows.size();
  return nb::make_tuple(strings, owned_array(std::move(hi), {n}), owned_array(std::move(lo), {n}),
                        owned_array(std::move(k), {n}));
}

}  // namespace

void bind_tables(nb::module_& m) {
  nb::class_<ctm::Table>(m, "Table")
      .def(nb::init<>())
      .def_static("load", [](const std::string& path) {
        nb::gil_scoped_release r;
        return ctm::read_table(path);
      })
      .def("save", [](const ctm::Table& t, const std::string& path) {
        nb::gil_scoped_release r;
        ctm::write_table(t, path);
      })
      .def("merge", [](ctm::Table& t, const ctm::Table& other) { t.merge(other); })
      .def("copy", [](const ctm::Table& t) { return ctm::Table(t); })
      .def("info", &table_info)
      .def("columns", &table_columns)
      .def("__len__", [](const ctm::Table& t) { return t.counts.size(); })
      .def("counts_of", [](const ctm::Table& t, const std::vector<std::string>& keys) {
        nb::list out;
        for (const auto& s : keys) out.append(py_int(t.count(s)));
        return out;
      })
      .def("k_of", [](const ctm::Table& t, const std::vector<std::string>& keys) {
        std::vector<double> k(keys.size());
        for (size_t i = 0; i < keys.size(); ++i) k[i] = t.complexity(keys[i]);
        return owned_array(std::move(k), {keys.size()});
      })
      .def("halting_times", [](const ctm::Table& t) {
        nb::list out;
        for (const auto& c : t.halt_time) out.append(py_int(c));
        return out;
      })
      .def("export_text", [](const ctm::Table& t, const std::string& sep) {
        std::ostringstream out;
        ctm::export_table(t, out, sep.empty() ? '\t' : sep[0]);
        return out.str();
      })
      .def("check_consistency", &ctm::Table::check_consistency);

  m.def("enumerate", &py_enumerate, nb::arg("states"), nb::arg("symbols"), nb::arg("dims"), nb::arg("cutoff"),
        nb::arg("backend"), nb::arg("threads"), nb::arg("shard_index"), nb::arg("shard_count"),
        nb::arg("ngram_after"), nb::arg("bouncer_after"), nb::arg("callback").none(), nb::arg("interval"));
  m.def("sample", &py_sample, nb::arg("states"), nb::arg("symbols"), nb::arg("dims"), nb::arg("cutoff"),
        nb::arg("seed"), nb::arg("start"), nb::arg("machines"), nb::arg("backend"), nb::arg("threads"),
        nb::arg("callback").none(), nb::arg("interval"));
  m.def("standard_cutoff", [](int states, int symbols, int dims) {
    return ctm::standard_cutoff(make_space(states, symbols, dims));
  });
  m.def("cuda_available", &ctm::cuda_available);
  m.def("normalize_key", &ctm::normalize_key);
}

}  // namespace ctm_py

NB_MODULE(_ctm, m) {
  namespace nb = nanobind;
  m.doc() = "ctm's C++ library (tables, BDM, collapse); use the `ctm` package, not this module";
  static nb::exception<ctm::Error> error(m, "CtmError", PyExc_ValueError);
  // ctm.Cancelled: raised when a progress callback returns False.
  ctm_py::g_cancelled = PyErr_NewException("ctm._ctm.Cancelled", PyExc_RuntimeError, nullptr);
  m.attr("Cancelled") = nb::borrow(ctm_py::g_cancelled);
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const ctm::Cancelled& e) {
      PyErr_SetString(ctm_py::g_cancelled, e.what());
    }
  });
  m.attr("__version__") = ctm::kVersion;
  m.attr("source_data_dir") = CTM_SOURCE_DATA_DIR;  // the source tree's data/ at build time
  ctm_py::bind_tables(m);
  ctm_py::bind_bdm(m);
  ctm_py::bind_collapse(m);
}
