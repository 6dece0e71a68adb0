// Collapse bindings of ctm._ctm: only the top-level entry points (presets, JSON configs, one run),
// so the Python side stays independent of the simulator's internals. Metrics come back as a
// (replicates, generations + 1, metrics) float64 array; python/ctm/collapse.py builds the frames.
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "ctm/collapse.hpp"
#include "ext_common.hpp"

namespace ctm_py {
namespace {

nb::dict run_json(const std::string& json, int threads) {
  namespace cl = ctm::collapse;
  cl::CollapseConfig c = cl::config_from_json(json);
  if (threads > 0) c.threads = threads;
  c.validate();
  cl::CollapseResult r;
  {
    nb::gil_scoped_release rel;
    r = cl::run_collapse(c);
  }
  nb::dict d;
  d["label"] = r.config.label;
  d["config"] = cl::config_to_json(r.config);
  d["metrics"] = r.metrics;
  d["generations"] = r.generations;
  d["replicates"] = r.replicates;
  const size_t reps = static_cast<size_t>(r.replicates), gens = static_cast<size_t>(r.generations) + 1,
               ms = r.metrics.size();
  std::vector<double> values = r.values;
  d["values"] = owned_array(std::move(values), {reps, gens, ms});
  d["expected"] = r.expected;
  d["reference"] = r.reference;
  d["fixation_time"] = r.fixation_time;
  d["fixation_winner"] = r.fixation_winner;
  d["seconds"] = r.seconds;
  d["threads_used"] = r.threads_used;
  return d;
}

std::vector<std::string> preset_json(const std::string& name) {
  std::vector<std::string> out;
  for (const auto& c : ctm::collapse::preset(name)) out.push_back(ctm::collapse::config_to_json(c));
  return out;
}

}  // namespace

void bind_collapse(nb::module_& m) {
  m.def("collapse_run", &run_json, nb::arg("config_json"), nb::arg("threads") = 0);
  m.def("collapse_preset", &preset_json);
  m.def("collapse_preset_names", &ctm::collapse::preset_names);
  m.def("collapse_default_config", [] { return ctm::collapse::config_to_json(ctm::collapse::CollapseConfig{}); });
}

}  // namespace ctm_py
