// `ctm collapse`: run the model-collapse simulator from a preset, a JSON config or flags; write a
// per-generation CSV per run, summary.json and plots.svg, with a progress line on a terminal.
#include "collapse_cli.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

namespace ctm::cli {
namespace {

struct CollapseArgs {
  std::string preset, config_path, out_dir = "collapse-out";
  bool list = false, quiet = false;
  // overrides (applied to every run when given)
  int replicates = -1, generations = -1, threads = -1, samples = -1, dim = -1, categories = -1;
  long long seed = -1;
  std::string learner, workflow, alpha_kind, estimator, machine, table, label;
  double alpha = NAN, lambda = NAN, eps_fp = NAN, eps_fn = NAN, smoothing = NAN;
};

std::string safe_name(const std::string& label) {
  std::string s;
  for (char c : label) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return s.empty() ? "run" : s;
}

void apply(const CollapseArgs& a, collapse::CollapseConfig& c) {
  if (!a.label.empty()) c.label = a.label;
  if (!a.learner.empty()) c.learner = a.learner;
  if (!a.workflow.empty()) c.workflow = a.workflow;
  if (!a.alpha_kind.empty()) c.alpha.kind = a.alpha_kind;
  if (!std::isnan(a.alpha)) {
    c.alpha.value = a.alpha;
    if (a.alpha_kind.empty()) c.alpha.kind = "constant";
  }
  if (!a.estimator.empty()) {
    if (a.estimator != "mle" && a.estimator != "unbiased") throw Error("--estimator must be mle or unbiased, got '" + a.estimator + "'");
    c.unbiased = a.estimator == "unbiased";
  }
  if (a.replicates >= 0) c.replicates = a.replicates;
  if (a.generations >= 0) c.generations = a.generations;
  if (a.threads >= 0) c.threads = a.threads;
  if (a.samples >= 0) c.samples = a.samples;
  if (a.dim >= 0) c.dim = a.dim;
  if (a.categories >= 0) { c.categories = a.categories; c.p0.clear(); c.values.clear(); }
  if (a.seed >= 0) c.seed = static_cast<uint64_t>(a.seed);
  if (!std::isnan(a.lambda)) c.lambda = a.lambda;
  if (!std::isnan(a.eps_fp)) { c.eps_fp = a.eps_fp; c.verifier = true; }
  if (!std::isnan(a.eps_fn)) { c.eps_fn = a.eps_fn; c.verifier = true; }
  if (!std::isnan(a.smoothing)) c.smoothing = a.smoothing;
  if (!a.machine.empty()) c.machine = a.machine;
  if (!a.table.empty()) c.table_path = a.table;
}

void run(const CollapseArgs& a) {
  if (a.list) {
    for (auto& n : collapse::preset_names()) std::cout << n << "\n";
    return;
  }
  if (!a.preset.empty() && !a.config_path.empty()) throw Error("give either --preset or --config, not both");
  std::vector<collapse::CollapseConfig> runs;
  std::string name = "custom";
  if (!a.preset.empty()) {
    runs = collapse::preset(a.preset);
    name = a.preset;
  } else if (!a.config_path.empty()) {
    std::ifstream in(a.config_path);
    if (!in) throw Error("cannot read config file '" + a.config_path + "'");
    std::stringstream text;
    text << in.rdbuf();
    try {
      const std::string& path = a.config_path;
      const bool toml = path.size() > 5 && path.compare(path.size() - 5, 5, ".toml") == 0;
      runs.push_back(toml ? collapse::config_from_toml(text.str()) : collapse::config_from_json(text.str()));
    } catch (const Error& e) {
      throw Error(a.config_path + ": " + e.what());
    }
    name = runs.back().label;
  } else {
    runs.emplace_back();
  }
  for (auto& c : runs) {
    apply(a, c);
    if (!c.table_path.empty() && !std::filesystem::exists(c.table_path))
      throw Error("table '" + c.table_path + "' not found (run from the repository root or give --table)");
    c.validate();
  }
  std::filesystem::create_directories(a.out_dir);
  const bool tty = !a.quiet && ::isatty(2);
  std::vector<collapse::CollapseResult> results;
  std::unique_ptr<collapse::SymbolicSpace> space;
  for (auto& c : runs) {
    const collapse::SymbolicSpace* sp = nullptr;
    if (c.learner == "symbolic" || c.learner == "density") {
      if (!space || space->states != c.space_states || space->input_bits != c.input_bits || space->cutoff != c.cutoff) {
        if (!a.quiet) std::cerr << "ctm collapse: enumerating the (" << c.space_states << ",2) machine space on "
                                << (1 << c.input_bits) << " inputs...\n";
        space = std::make_unique<collapse::SymbolicSpace>(collapse::build_symbolic_space(
            c.space_states, c.input_bits, c.cutoff, c.threads, c.table_path, c.prior_weight));
      }
      sp = space.get();
    }
    auto progress = [&](int done, int total) {
      if (tty) std::fprintf(stderr, "\r%s: %d/%d replicates", c.label.c_str(), done, total);
    };
    results.push_back(collapse::run_collapse(c, sp, progress));
    const auto& r = results.back();
    if (tty) std::fprintf(stderr, "\n");
    const std::string csv = (std::filesystem::path(a.out_dir) / (safe_name(c.label) + ".csv")).string();
    std::ofstream out(csv);
    if (!out) throw Error("cannot write '" + csv + "'");
    collapse::write_csv(r, out);
    if (!a.quiet) {
      std::printf("%-24s %d replicates x %d generations in %.2f s (%d threads) -> %s\n", c.label.c_str(),
                  c.replicates, c.generations, r.seconds, r.threads_used, csv.c_str());
      std::string line = "  final:";
      for (size_t m = 0; m < r.metrics.size() && m < 12; ++m) {
        const auto s = collapse::summarize(r, static_cast<int>(m), r.generations);
        char buf[64];
        std::snprintf(buf, sizeof buf, " %s=%.4g", r.metrics[m].c_str(), s.mean);
        line += buf;
      }
      std::printf("%s\n", line.c_str());
    }
  }
  const auto dir = std::filesystem::path(a.out_dir);
  std::ofstream js(dir / "summary.json");
  js << collapse::summary_json(results, name) << "\n";
  std::ofstream svg(dir / "plots.svg");
  collapse::write_svg(results, "ctm collapse " + name, svg);
  if (!js || !svg) throw Error("cannot write summary.json / plots.svg in '" + a.out_dir + "'");
  if (!a.quiet) std::printf("wrote %s/summary.json and %s/plots.svg\n", a.out_dir.c_str(), a.out_dir.c_str());
}

}  // namespace

void add_collapse_subcommand(CLI::App& app) {
  auto args = std::make_shared<CollapseArgs>();
  auto* c = app.add_subcommand("collapse", "Simulate recursive self-training (model collapse) and the symbolic remedy");
  c->add_option("--preset", args->preset, "A published set-up (see --list-presets)");
  c->add_option("--config", args->config_path, "Config file: JSON, or TOML when it ends in .toml (keys as in docs/collapse.md)");
  c->add_flag("--list-presets", args->list, "List the presets");
  c->add_option("--out,-o", args->out_dir, "Output folder (CSV per run, summary.json, plots.svg)");
  c->add_option("--label", args->label, "Run label");
  c->add_option("--learner", args->learner, "categorical | gaussian | gmm | ols | symbolic | density");
  c->add_option("--workflow", args->workflow, "replace | accumulate | accumulate-subsample | fresh");
  c->add_option("--alpha", args->alpha, "Grounded fraction alpha (constant schedule unless --alpha-schedule)");
  c->add_option("--alpha-schedule", args->alpha_kind, "zero | constant | harmonic | geometric | step | list");
  c->add_option("--samples,-N", args->samples, "Items per generation N");
  c->add_option("--generations,-g", args->generations, "Generations");
  c->add_option("--replicates,-r", args->replicates, "Independent replicates");
  c->add_option("--threads,-j", args->threads, "Threads (0 = all)");
  c->add_option("--seed", args->seed, "Seed");
  c->add_option("--lambda", args->lambda, "Sampling bias (variance scale / temperature)");
  c->add_option("--eps-fp", args->eps_fp, "Verifier false-positive rate (turns the verifier on)");
  c->add_option("--eps-fn", args->eps_fn, "Verifier false-negative rate (turns the verifier on)");
  c->add_option("--estimator", args->estimator, "mle | unbiased (Gaussian)");
  c->add_option("--dim", args->dim, "Gaussian dimension d");
  c->add_option("--categories,-K", args->categories, "Categories K (uniform truth)");
  c->add_option("--smoothing", args->smoothing, "Add-c smoothing (categorical)");
  c->add_option("--machine", args->machine, "Truth machine M* (symbolic/density), standard text");
  c->add_option("--table", args->table, "D(5,2) table for the CTM prior and BDM (presets default to the engine's data/d5-2.ctm)");
  c->add_flag("--quiet,-q", args->quiet, "No progress line or summary");
  c->callback([args] { run(*args); });
}

}  // namespace ctm::cli
