// `ctm collapse`: run the model-collapse simulator from a preset, a JSON/TOML config or flags, or a
// sweep over a grid of config values; write CSVs, summary.json and SVG figures. Every input is checked
// before the output folder is created, so a bad command leaves nothing behind.
#include "collapse_cli.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

namespace ctm::cli {
namespace {

struct CollapseArgs {
  std::string preset, sweep_preset, config_path, out_dir = "collapse-out";
  bool list = false, quiet = false, paired = false;
  std::vector<std::string> sweeps, sweep_metrics;
  // Overrides, applied to every run when given (a given negative value reaches the config's checks).
  std::optional<int> replicates, generations, threads, samples, dim, categories, every;
  std::optional<long long> seed;
  std::optional<double> alpha, lambda, eps_fp, eps_fn, smoothing, loss;
  std::string learner, workflow, alpha_kind, estimator, machine, table, label;
};

std::string safe_name(const std::string& label) {
  std::string s;
  for (char c : label) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return s.empty() ? "run" : s;
}

void apply(const CollapseArgs& a, collapse::CollapseConfig& c) {
  if (!a.label.empty()) c.label = a.label;
  if (!a.learner.empty()) c.learner = collapse::parse_learner(a.learner);
  if (!a.workflow.empty()) c.workflow = collapse::parse_workflow(a.workflow);
  if (!a.alpha_kind.empty()) c.alpha.kind = collapse::parse_alpha_kind(a.alpha_kind);
  if (a.alpha) {
    c.alpha.value = *a.alpha;
    if (a.alpha_kind.empty()) c.alpha.kind = collapse::AlphaKind::kConstant;
  }
  if (!a.estimator.empty()) {
    if (a.estimator != "mle" && a.estimator != "unbiased") throw Error("--estimator must be mle or unbiased, got '" + a.estimator + "'");
    c.unbiased = a.estimator == "unbiased";
  }
  if (a.replicates) c.replicates = *a.replicates;
  if (a.generations) c.generations = *a.generations;
  if (a.threads) c.threads = *a.threads;
  if (a.samples) c.samples = *a.samples;
  if (a.dim) c.dim = *a.dim;
  if (a.categories) {
    if (*a.categories < 2) throw Error("--categories must be >= 2, got " + std::to_string(*a.categories));
    c.categories = *a.categories; c.p0.clear(); c.values.clear();
  }
  if (a.seed) {
    if (*a.seed < 0) throw Error("--seed must be >= 0, got " + std::to_string(*a.seed));
    c.seed = static_cast<uint64_t>(*a.seed);
  }
  if (a.lambda) c.lambda = *a.lambda;
  if (a.eps_fp) { c.eps_fp = *a.eps_fp; c.verifier = true; }
  if (a.eps_fn) { c.eps_fn = *a.eps_fn; c.verifier = true; }
  if (a.smoothing) c.smoothing = *a.smoothing;
  if (!a.machine.empty()) c.machine = a.machine;
  if (!a.table.empty()) c.table_path = a.table;
}

void check_table(const collapse::CollapseConfig& c) {
  if (!c.table_path.empty() && !std::filesystem::exists(c.table_path))
    throw Error("table '" + c.table_path + "' not found (run from the repository root or give --table)");
}

// Writes `text` through `write` to dir/name; the caller created dir.
template <class F>
void write_file(const std::filesystem::path& path, F&& write) {
  std::ofstream out(path);
  if (!out) throw Error("cannot write '" + path.string() + "'");
  write(out);
  out.flush();
  if (!out) throw Error("cannot write '" + path.string() + "' (disk full?)");
}

// Creates the output folder; remembers whether it was new, so a failure can take it away again.
struct OutputDir {
  std::filesystem::path path;
  bool created = false;
  explicit OutputDir(const std::string& p) : path(p) {
    if (std::filesystem::exists(path) && !std::filesystem::is_directory(path))
      throw Error("output '" + p + "' exists and is not a folder");
    created = std::filesystem::create_directories(path);
  }
  void discard_if_empty() const {
    std::error_code ec;
    if (created && std::filesystem::is_empty(path, ec)) std::filesystem::remove(path, ec);
  }
};

void run_sweep_command(const CollapseArgs& a) {
  collapse::SweepSpec spec;
  if (!a.sweep_preset.empty()) spec = collapse::sweep_preset(a.sweep_preset);
  else if (!a.preset.empty()) {
    const auto runs = collapse::preset(a.preset);
    if (runs.size() != 1) throw Error("--sweep over preset '" + a.preset + "' (several runs): sweep a --config or flags instead");
    spec.base = runs[0];
    spec.name = a.preset;
  } else if (!a.config_path.empty()) {
    std::ifstream in(a.config_path);
    if (!in) throw Error("cannot read config file '" + a.config_path + "'");
    std::stringstream text;
    text << in.rdbuf();
    const bool toml = a.config_path.size() > 5 && a.config_path.compare(a.config_path.size() - 5, 5, ".toml") == 0;
    try {
      spec.base = toml ? collapse::config_from_toml(text.str()) : collapse::config_from_json(text.str());
    } catch (const Error& e) {
      throw Error(a.config_path + ": " + e.what());
    }
    spec.name = spec.base.label;
  }
  apply(a, spec.base);
  for (const auto& s : a.sweeps) {
    const collapse::SweepAxis axis = collapse::parse_sweep_axis(s);
    bool replaced = false;  // a --sweep on a preset's key replaces that axis
    for (auto& ax : spec.axes) if (ax.key == axis.key) { ax = axis; replaced = true; }
    if (!replaced) spec.axes.push_back(axis);
  }
  if (!a.sweep_metrics.empty()) spec.metrics = a.sweep_metrics;
  if (a.every) spec.every = *a.every;
  if (a.loss) spec.loss = *a.loss;
  if (a.paired) spec.paired = true;
  check_table(spec.base);
  const bool tty = !a.quiet && ::isatty(2);
  auto progress = [&](int done, int total) {
    if (tty) std::fprintf(stderr, "\rsweep %s: %d/%d combinations", spec.name.c_str(), done, total);
  };
  const collapse::SweepResult r = collapse::run_sweep(spec, progress);  // validates every point first
  if (tty) std::fprintf(stderr, "\n");
  OutputDir dir(a.out_dir);
  try {
    write_file(dir.path / "sweep.csv", [&](std::ostream& o) { collapse::write_sweep_csv(r, o); });
    write_file(dir.path / "sweep_summary.csv", [&](std::ostream& o) { collapse::write_sweep_summary_csv(r, o); });
    write_file(dir.path / "sweep.svg", [&](std::ostream& o) { collapse::write_sweep_svg(r, o); });
  } catch (...) {
    dir.discard_if_empty();
    throw;
  }
  if (!a.quiet)
    std::printf("sweep %s: %zu combinations x %d replicates x %d generations in %.2f s -> %s/sweep.csv, "
                "sweep_summary.csv, sweep.svg\n", spec.name.c_str(), r.points.size(), spec.base.replicates,
                spec.base.generations, r.seconds, a.out_dir.c_str());
}

void run(const CollapseArgs& a) {
  if (a.list) {
    for (auto& n : collapse::preset_names()) std::cout << n << "\n";
    for (auto& n : collapse::sweep_preset_names()) std::cout << n << " (--sweep-preset)\n";
    return;
  }
  const int sources = !a.preset.empty() + !a.config_path.empty() + !a.sweep_preset.empty();
  if (sources > 1) throw Error("give at most one of --preset, --sweep-preset and --config");
  if (!a.sweep_preset.empty() || !a.sweeps.empty()) return run_sweep_command(a);
  if (!a.sweep_metrics.empty() || a.every || a.loss || a.paired)
    throw Error("--metrics, --every, --loss and --paired apply to sweeps only (give --sweep KEY=V1,V2,...)");
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
    check_table(c);
    c.validate();
  }
  OutputDir dir(a.out_dir);
  try {
    const bool tty = !a.quiet && ::isatty(2);
    std::vector<collapse::CollapseResult> results;
    std::unique_ptr<collapse::SymbolicSpace> space;
    for (auto& c : runs) {
      const collapse::SymbolicSpace* sp = nullptr;
      if (c.learner == collapse::LearnerKind::kSymbolic || c.learner == collapse::LearnerKind::kDensity) {
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
      const auto csv = dir.path / (safe_name(c.label) + ".csv");
      write_file(csv, [&](std::ostream& o) { collapse::write_csv(r, o); });
      if (!a.quiet) {
        std::printf("%-24s %d replicates x %d generations in %.2f s (%d threads) -> %s\n", c.label.c_str(),
                    c.replicates, c.generations, r.seconds, r.threads_used, csv.string().c_str());
        std::string line = "  final:";
        for (size_t m = 0; m < r.metrics.size() && m < 13; ++m) {
          const auto s = collapse::summarize(r, static_cast<int>(m), r.generations);
          char buf[64];
          std::snprintf(buf, sizeof buf, " %s=%.4g", r.metrics[m].c_str(), s.mean);
          line += buf;
        }
        std::printf("%s\n", line.c_str());
      }
    }
    write_file(dir.path / "summary.json", [&](std::ostream& o) { o << collapse::summary_json(results, name) << "\n"; });
    write_file(dir.path / "plots.svg", [&](std::ostream& o) { collapse::write_svg(results, "ctm collapse " + name, o); });
  } catch (...) {
    dir.discard_if_empty();
    throw;
  }
  if (!a.quiet) std::printf("wrote %s/summary.json and %s/plots.svg\n", a.out_dir.c_str(), a.out_dir.c_str());
}

}  // namespace

void add_collapse_subcommand(CLI::App& app) {
  auto args = std::make_shared<CollapseArgs>();
  auto* c = app.add_subcommand("collapse", "Simulate recursive self-training (model collapse) and the symbolic remedy");
  c->add_option("--preset", args->preset, "A published set-up (see --list-presets)");
  c->add_option("--sweep-preset", args->sweep_preset, "A shipped sweep (phase diagram; see --list-presets)");
  c->add_option("--config", args->config_path, "Config file: JSON, or TOML when it ends in .toml (keys as in docs/collapse.md)");
  c->add_flag("--list-presets", args->list, "List the presets and sweep presets");
  c->add_option("--out,-o", args->out_dir, "Output folder (default collapse-out; created only once the inputs are valid)");
  c->add_option("--label", args->label, "Run label");
  c->add_option("--learner", args->learner, "categorical | gaussian | gmm | ols | symbolic | density");
  c->add_option("--workflow", args->workflow, "replace | accumulate | accumulate-subsample | fresh");
  c->add_option("--alpha", args->alpha, "Grounded fraction alpha (constant schedule unless --alpha-schedule)");
  c->add_option("--alpha-schedule", args->alpha_kind, "zero | constant | harmonic | geometric | step | list");
  c->add_option("--samples,-N", args->samples, "Items per generation N");
  c->add_option("--generations,-g", args->generations, "Generations");
  c->add_option("--replicates,-r", args->replicates, "Independent replicates");
  c->add_option("--threads,-j", args->threads, "Threads (0 = all)");
  c->add_option("--seed", args->seed, "Seed (>= 0)");
  c->add_option("--lambda", args->lambda, "Sampling bias (variance scale / temperature)");
  c->add_option("--eps-fp", args->eps_fp, "Verifier false-positive rate (turns the verifier on)");
  c->add_option("--eps-fn", args->eps_fn, "Verifier false-negative rate (turns the verifier on)");
  c->add_option("--estimator", args->estimator, "mle | unbiased (Gaussian)");
  c->add_option("--dim", args->dim, "Gaussian dimension d");
  c->add_option("--categories,-K", args->categories, "Categories K (uniform truth)");
  c->add_option("--smoothing", args->smoothing, "Add-c smoothing (categorical)");
  c->add_option("--machine", args->machine, "Truth machine M* (symbolic/density), standard text");
  c->add_option("--table", args->table, "D(5,2) table for the CTM prior and BDM (presets default to the engine's data/d5-2.ctm)");
  c->add_option("--sweep", args->sweeps, "KEY=V1,V2,... or KEY=LO:HI:STEP; repeat for a grid (independent stream per point)");
  c->add_option("--metrics", args->sweep_metrics, "Sweep: per-generation metrics in sweep.csv (default: all)")->delimiter(',');
  c->add_option("--every", args->every, "Sweep: every k-th generation in sweep.csv (default: about 100 rows per metric)");
  c->add_option("--loss", args->loss, "Sweep: time to loss = first generation with mean entropy <= (1 - loss) H_0 (default 0.5)");
  c->add_flag("--paired", args->paired, "Sweep: one random stream for every point (common random numbers, a paired comparison)");
  c->add_flag("--quiet,-q", args->quiet, "No progress line or summary");
  c->callback([args] { run(*args); });
}

}  // namespace ctm::cli
