// The model-collapse simulator (spec: shared/spec/collapse.md): many independent replicates of the
// recursive self-training loop, its learners and metrics, and the symbolic (mechanism) learner.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ctm {
class BdmTable;
}

namespace ctm::collapse {

// ---------------------------------------------------------------------------------------------
// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC'11). A stream is
// keyed by (seed, replicate, generation, stream id), so every draw is a pure function of where it
// is used and results do not depend on how replicates are spread over threads.
std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

enum StreamId : uint32_t {
  kStreamReal = 1,       // samples from the truth P*
  kStreamSynthetic = 2,  // samples from the current model P_t
  kStreamVerifier = 3,   // accept/reject coins of the imperfect verifier
  kStreamSubsample = 4,  // accumulate-subsample picks
  kStreamFixed = 5,      // fixed design (OLS), initial real pool
  kStreamMetrics = 6,    // Monte Carlo metrics (d > 1 Gaussian TV, JS, tail mass)
};

class RandomStream {
 public:
  RandomStream(uint64_t seed, uint32_t replicate, uint32_t generation, uint32_t stream);
  uint32_t next_u32() {
    if (used_ == filled_) refill();
    return buffer_[used_++];
  }
  double uniform() {                // [0, 1), 53 bits
    const uint64_t hi = next_u32() >> 5, lo = next_u32() >> 6;  // 27 + 26 bits
    return (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) * (1.0 / 9007199254740992.0);
  }
  double uniform_open();            // (0, 1)
  double normal();                  // standard normal (256-layer ziggurat, two words per try)
  uint32_t below(uint32_t bound);   // uniform integer in [0, bound), unbiased (Lemire)

 private:
  std::array<uint32_t, 2> key_;
  std::array<uint32_t, 4> counter_;
  // Philox blocks per refill (lanes interleave): 8 the first time, as many streams draw only a few
  // words (one per replicate, generation and purpose), then 16.
  static constexpr int kBlocks = 16, kFirstBlocks = 8;
  std::array<uint32_t, 4 * kBlocks> buffer_;  // filled before use: left uninitialised on purpose
  int used_ = 0, filled_ = 0;
  void refill();
  double normal_rest(int layer, double x);
};

// Exact samplers on a stream (host/collapse/collapse_sampling.cpp). binomial: Bin(n, p) by inversion when
// n min(p, 1-p) < 10, else BTRD (Hormann 1993). multinomial: counts of n items over k categories with
// the given non-negative weights (any scale), by conditional binomials; every count is written.
uint32_t binomial(RandomStream& rs, uint32_t n, double p);
double gamma(RandomStream& rs, double shape);  // Gamma(shape, scale 1); chi-square(k) = 2 gamma(k / 2)
void multinomial(RandomStream& rs, uint32_t n, const double* weights, size_t k, uint32_t* counts);

// d > 1 Gaussian metrics without a closed form, by Monte Carlo on `rs` (host/collapse/learner_gaussian.cpp): TV and JS
// (bits) between P* = N(mu0 1, sigma0^2 I) and P_t = N(mu, L L^T) (chol = L, row-major d x d), and
// P_t's mass outside P*'s central ball of squared radius tail_r2 sigma0^2. chi2_quantile(p, dof) gives
// that radius for a quantile (it is what the simulator uses).
struct GaussianMcMetrics {
  double tv = 0, js = 0, tail = 0;
};
GaussianMcMetrics gaussian_mc_metrics(const std::vector<double>& mu, const std::vector<double>& chol, int d, double mu0,
                                      double sigma0, double tail_r2, int samples, RandomStream& rs);
double chi2_quantile(double p, int dof);

// ---------------------------------------------------------------------------------------------
// Learners, workflows, alpha schedules and smoothing supports: their names are parsed once where
// they come in (JSON, TOML, CLI, presets, sweep axes); name_of() gives the text back for outputs.
enum class LearnerKind { kCategorical, kDensity, kSymbolic, kGaussian, kGmm, kOls };
enum class Workflow { kReplace, kAccumulate, kAccumulateSubsample, kFresh };
enum class AlphaKind { kZero, kConstant, kHarmonic, kGeometric, kStep, kList };
enum class Support { kAlphabet, kObserved };
LearnerKind parse_learner(const std::string& name);  // each throws ctm::Error naming the choices
Workflow parse_workflow(const std::string& name);
AlphaKind parse_alpha_kind(const std::string& name);
Support parse_support(const std::string& name);
const char* name_of(LearnerKind v);
const char* name_of(Workflow v);
const char* name_of(AlphaKind v);
const char* name_of(Support v);

// Configuration. Generation 0 is the truth itself (P_0 = P*), or a fit on `initial_samples` real
// samples when that is > 0; generation t >= 1 fits the learner on data built from P_{t-1}.
struct AlphaSchedule {
  AlphaKind kind = AlphaKind::kZero;  // zero | constant | harmonic (1/(t+1)) | geometric | step | list
  double value = 0;           // constant: alpha; geometric: alpha_1; step: alpha before step_at
  double rate = 0.5;          // geometric: alpha_t = value * rate^(t-1)
  int step_at = 1;            // step: alpha_t = after for t >= step_at
  double after = 0;
  std::vector<double> list;   // list: alpha_1, alpha_2, ...; the last value repeats
  double at(int t) const;     // t >= 1
  std::string describe() const;
  void validate() const;      // throws ctm::Error for values outside [0, 1]
};

struct CollapseConfig {
  std::string label = "run";           // names the run in outputs
  LearnerKind learner = LearnerKind::kCategorical;
  Workflow workflow = Workflow::kReplace;
  AlphaSchedule alpha;                  // fraction of each new batch drawn from the truth
  bool fixed_real = false;   // real items are the same pool every generation (Bertrand et al.)
  bool iid_mixture = false;  // fresh: each item real with probability alpha instead of fixed counts
  int generations = 100;
  int replicates = 100;
  int samples = 100;         // N (or M): new items per generation
  int initial_samples = 0;   // > 0: P_0 is fitted on this many real samples instead of being P*
  uint64_t seed = 1;
  // Sub-run stream: 0 draws from `seed` itself; i > 0 from an independent key derived from (seed, i),
  // so the runs of a preset or the points of a sweep are independent while one --seed reproduces all.
  uint32_t stream = 0;
  int threads = 0;           // 0 = hardware concurrency
  double lambda = 1.0;       // sampling bias: variance scale (Gaussians), temperature (categorical)
  bool verifier = false;     // imperfect verifier on synthetic items (RL variant)
  double eps_fp = 0, eps_fn = 0;
  double verifier_radius = 2.0;  // Gaussians: an item is "right" within this many truth sigmas
  double tail_quantile = 0.9;    // tail = beyond this quantile (Gaussian) or cumulative rank mass
  bool light_metrics = false;    // only the cheap metrics (benchmarks); the others are NaN
  int metric_samples = 256;      // d > 1 Gaussian: draws per generation for TV, JS, tail mass (0: NaN)

  // categorical
  int categories = 10;             // K when p0 is empty (uniform truth)
  std::vector<double> p0;          // truth probabilities (normalised)
  std::vector<double> values;      // value of each category (default 0..K-1) for drift, W1, W2
  double smoothing = 0;            // add-c smoothing
  Support support = Support::kAlphabet;  // observed: smooth only over categories seen so far

  // gaussian
  int dim = 1;
  double mu0 = 0, sigma0 = 1;      // truth N(mu0 1, sigma0^2 I)
  bool unbiased = false;           // covariance divides by N-1 instead of N

  // gmm (1-D, 2 components)
  std::vector<double> gmm_weights{0.5, 0.5}, gmm_means{-2, 2}, gmm_sigmas{1, 1};
  int em_iterations = 200;

  // ols: fixed design X (samples x ols_dim), y = X w + noise
  int ols_dim = 10;
  double ols_noise = 1.0;

  // symbolic / density: truth = machine on random inputs (see docs/collapse.md)
  std::string machine = "1RB0LB_1LA0RZ";  // M* in the standard text format (2 symbols)
  int space_states = 2;                   // learner's machine space (n,2)
  int input_bits = 4;                     // m
  uint32_t cutoff = 20;                   // steps per run
  double prior_weight = 1.0;              // weight of the CTM term of the prior
  std::string table_path;                 // D(5,2) table for the prior and BDM (empty: no CTM term/BDM)

  void validate() const;  // throws ctm::Error naming the bad field and value
  uint64_t stream_key() const;  // the Philox key of this run: seed, or derive_seed(seed, stream)
};

// An independent 64-bit key for sub-run `index` of a base seed (SplitMix64 finaliser of seed + index
// times the golden-ratio increment); index 0 returns the seed itself.
uint64_t derive_seed(uint64_t seed, uint64_t index);

CollapseConfig config_from_json(const std::string& text);  // unknown keys are errors
// The same keys in TOML (tables for `alpha`); needs a build with toml++ (toml_supported()).
CollapseConfig config_from_toml(const std::string& text);
bool toml_supported();
std::string config_to_json(const CollapseConfig& c);

// ---------------------------------------------------------------------------------------------
// The symbolic learner's machine space: every machine of (n,2) run on all 2^m inputs, grouped by
// behaviour (its exact output distribution). Built once per run and shared by all replicates.
struct Behaviour {
  std::vector<std::pair<uint32_t, uint32_t>> dist;  // (output id, number of inputs), by id
  uint64_t multiplicity = 0;                        // machines with this behaviour
  double log2_prior = 0;
  std::string example;                              // one machine, standard text
};

// Limits of the symbolic space: (n,2) enumerated whole for n <= 3; the simulator's fixed tape holds
// an input of 10 bits and a run of 40 steps either way (collapse_symbolic.cpp).
constexpr int kSymbolicMaxStates = 3;
constexpr int kSymbolicMaxInputBits = 10;
constexpr uint32_t kSymbolicMaxCutoff = 40;

struct SymbolicSpace {
  int states = 0, input_bits = 0;
  uint32_t cutoff = 0;
  std::vector<std::string> outputs;  // output id -> string; "*" = did not halt within the cutoff
  std::vector<Behaviour> behaviours;
  double build_seconds = 0;
};

// Output of machine `text` on input x (bit i of x on cell i, head on cell 0, state A, blank 0
// elsewhere): the visited block, or "*" when it does not halt within `cutoff` steps.
std::string run_on_input(const std::string& machine_text, int input_bits, uint32_t x, uint32_t cutoff);
SymbolicSpace build_symbolic_space(int states, int input_bits, uint32_t cutoff, int threads,
                                   const std::string& table_path, double prior_weight);
// The behaviour index of a machine's output distribution, or -1 when no machine of the space has it.
int find_behaviour(const SymbolicSpace& space, const std::string& machine_text);

// Small block decomposition with a CTM table, through the engine's BdmScorer (acss decomposition:
// 12-blocks from the start, a shorter last block kept, K(block) + log2(multiplicity) per distinct block).
class SmallBdm {
 public:
  explicit SmallBdm(const std::string& table_path);  // empty path: not loaded
  double k(const std::string& block) const;   // K of a binary string of length <= 12 (else / absent: max K + 1)
  double bdm(const std::string& s) const;
  bool loaded() const { return table_ != nullptr; }
 private:
  std::shared_ptr<const BdmTable> table_;
  double missing_k_ = 0;  // strings the table lacks: one bit above its most complex string
};

// ---------------------------------------------------------------------------------------------
struct CollapseResult {
  CollapseConfig config;
  std::vector<std::string> metrics;  // names, in column order
  int generations = 0, replicates = 0;
  std::vector<double> values;        // [(replicate * (generations + 1) + t) * metrics.size() + m]
  std::vector<int> fixation_time;    // per replicate, -1 when it never fixed (categorical family)
  std::vector<int> fixation_winner;  // category that fixed, -1 when none
  std::map<std::string, std::vector<double>> expected;  // closed-form curve per metric
  std::map<std::string, double> reference;              // closed-form scalars
  std::vector<double> initial_mass;                     // categorical family: P_0 by category
  double seconds = 0;
  int threads_used = 1;

  double value(int replicate, int t, int metric) const {
    return values[(static_cast<size_t>(replicate) * (generations + 1) + t) * metrics.size() + metric];
  }
  int metric_index(const std::string& name) const;  // throws when absent
};

struct MetricSummary {
  double mean = 0, sd = 0, se = 0, q05 = 0, q25 = 0, median = 0, q75 = 0, q95 = 0;
  int finite = 0;  // replicates with a finite value
};
// Summary over replicates of one metric at generation t (non-finite values are left out).
MetricSummary summarize(const CollapseResult& r, int metric, int t);

using ProgressFn = std::function<void(int replicates_done, int replicates_total)>;
CollapseResult run_collapse(const CollapseConfig& config, ProgressFn progress = {});
// The same, reusing an already built machine space (symbolic / density learners).
CollapseResult run_collapse(const CollapseConfig& config, const SymbolicSpace* space, ProgressFn progress = {});

// Outputs: a long CSV (generation, metric, mean, sd, se, quantiles, expected) with '#' header lines
// stating workflow, estimator and alpha schedule; a JSON summary; an SVG of every metric over
// generations (median, 25-75% and 5-95% bands, closed form dashed) with several runs overlaid.
void write_csv(const CollapseResult& r, std::ostream& out);
std::string summary_json(const std::vector<CollapseResult>& runs, const std::string& preset);
void write_svg(const std::vector<CollapseResult>& runs, const std::string& title, std::ostream& out);

// Presets that rerun published set-ups: one or more runs each.
std::vector<std::string> preset_names();
std::vector<CollapseConfig> preset(const std::string& name);


// ---------------------------------------------------------------------------------------------
// Sweeps (phase diagrams): every combination of the axes' values is one run of the base config with
// an independent stream (stream = combination index + 1, or the base's stream for all when `paired`).
struct SweepAxis {
  std::string key;                  // a config key (set_config_key)
  std::vector<std::string> values;  // as given: "0.1", "fresh", ...
};
// "KEY=V1,V2,..." or "KEY=LO:HI:STEP" (inclusive range, e.g. alpha=0:0.5:0.05). Throws on bad text.
SweepAxis parse_sweep_axis(const std::string& spec);
// Sets one key of a config from text. Keys: alpha (constant schedule; 0 = zero), samples, generations,
// replicates, lambda, eps_fp, eps_fn (turn the verifier on), categories, dim, mu0, sigma0, smoothing,
// initial_samples, diameter (values 0..D spread evenly over the categories), input_bits, space_states,
// cutoff, prior_weight, tail_quantile, ols_dim, ols_noise, em_iterations, learner, workflow, estimator.
void set_config_key(CollapseConfig& c, const std::string& key, const std::string& value);

struct SweepSpec {
  std::string name = "sweep";
  CollapseConfig base;
  std::vector<SweepAxis> axes;
  std::vector<std::string> metrics;  // per-generation metrics written to the tidy CSV (empty: all)
  int every = 0;                     // tidy CSV: every k-th generation (0: about 100 rows per metric)
  double loss = 0.5;                 // time to loss: first generation whose mean entropy <= (1 - loss) H_0
  bool paired = false;               // common random numbers across combinations (a paired comparison)
  std::string note;                  // what the sweep shows and which closed form or bound it draws
  std::string figure_metric;         // the summary quantity shown in the heatmap and lines
};

// One per-combination quantity: its name, mean over replicates, standard error, closed form (NaN: none).
struct SweepQuantity {
  std::string name;
  double value = 0, se = 0, closed_form = 0;
};

struct SweepPoint {
  std::vector<std::string> values;  // one per axis
  CollapseConfig config;
  std::vector<int> generations;                    // generations kept in `series`
  std::vector<std::string> metrics;                // metrics kept in `series`
  std::vector<std::vector<MetricSummary>> series;  // [metric][kept generation]
  std::vector<SweepQuantity> summary;
  double seconds = 0;
  double quantity(const std::string& name, double SweepQuantity::*field = &SweepQuantity::value) const;
};

struct SweepResult {
  SweepSpec spec;
  std::vector<SweepPoint> points;  // the grid, last axis fastest
  double seconds = 0;
};

SweepResult run_sweep(const SweepSpec& spec, ProgressFn progress = {});
// Tidy CSV: combination, one column per axis, generation, metric, mean, se, q05, q25, median, q75, q95.
void write_sweep_csv(const SweepResult& r, std::ostream& out);
// Per combination: combination, axes, quantity, value, se, closed_form (empty when none).
void write_sweep_summary_csv(const SweepResult& r, std::ostream& out);
// Heatmap (first two axes) and line figure (quantity against the first axis, one line per value of
// the second, closed form dashed) of spec.figure_metric; log colour/y scale when it spans decades.
void write_sweep_svg(const SweepResult& r, std::ostream& out);

std::vector<std::string> sweep_preset_names();
SweepSpec sweep_preset(const std::string& name);

// Closed forms the sweeps draw. Exact mean absorption time of the 2-type Wright-Fisher chain (N items,
// i of type one), by solving (I - Q) t = 1; the diffusion approximation -2N sum (1-p) ln(1-p) for K
// types; the grounded Gini-Simpson equilibrium G* (1 - 1/(N a (2 - a) + 1 - a)) of fixed-count fresh data.
double wright_fisher_absorption_time(int n, int i);
double diffusion_absorption_time(const std::vector<double>& p, int n);
double grounded_gini_equilibrium(double gini_truth, int n, double alpha);

}  // namespace ctm::collapse
