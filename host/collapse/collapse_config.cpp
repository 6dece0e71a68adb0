// Collapse simulator plumbing: the Philox4x32-10 counter-based generator, alpha schedules, and
// configuration checks and JSON (de)serialisation.
#include <cmath>
#include <limits>
#include <string>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <nlohmann/json.hpp>

#include "ctm/collapse.hpp"
#include "ctm/machine.hpp"
#include "ctm/types.hpp"

namespace ctm::collapse {

// Philox4x32-10 from the published definition: ten rounds of two 32x32->64 multiplications, the
// key bumped by the Weyl constants between rounds.
std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { k[0] += kW0; k[1] += kW1; }
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(kM1) * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
  }
  return c;
}

RandomStream::RandomStream(uint64_t seed, uint32_t replicate, uint32_t generation, uint32_t stream)
    : key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
      counter_{0, stream, generation, replicate} {}

namespace {
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;

// The same Philox4x32-10 as above on n consecutive counters at once, lanes side by side (portable).
void philox_blocks(const std::array<uint32_t, 4>& counter, const std::array<uint32_t, 2>& key, int n, uint32_t* out) {
  uint32_t c0[16], c1[16], c2[16], c3[16];
  for (int i = 0; i < n; ++i) {
    c0[i] = counter[0] + i;  // 2^32 blocks per stream: far beyond any run
    c1[i] = counter[1];
    c2[i] = counter[2];
    c3[i] = counter[3];
  }
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { k0 += kW0; k1 += kW1; }
    for (int i = 0; i < n; ++i) {
      const uint64_t p0 = static_cast<uint64_t>(kM0) * c0[i];
      const uint64_t p1 = static_cast<uint64_t>(kM1) * c2[i];
      const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[i] ^ k0;
      const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[i] ^ k1;
      c1[i] = static_cast<uint32_t>(p1);
      c3[i] = static_cast<uint32_t>(p0);
      c0[i] = n0;
      c2[i] = n2;
    }
  }
  for (int i = 0; i < n; ++i) {
    out[4 * i] = c0[i];
    out[4 * i + 1] = c1[i];
    out[4 * i + 2] = c2[i];
    out[4 * i + 3] = c3[i];
  }
}

#if defined(__x86_64__)
// Eight blocks per AVX2 register set: mul_epu32 gives the 64-bit products of the even lanes, the odd
// lanes are shifted down first; blends put the low and high halves back in lane order.
__attribute__((target("avx2"))) void philox_blocks_avx2(const std::array<uint32_t, 4>& counter,
                                                         const std::array<uint32_t, 2>& key, int n, uint32_t* out) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kM0)), m1 = _mm256_set1_epi32(static_cast<int>(kM1));
  for (int base = 0; base < n; base += 8) {
    __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(counter[0] + base)),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256i c1 = _mm256_set1_epi32(static_cast<int>(counter[1]));
    __m256i c2 = _mm256_set1_epi32(static_cast<int>(counter[2]));
    __m256i c3 = _mm256_set1_epi32(static_cast<int>(counter[3]));
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
      if (round > 0) { k0 += kW0; k1 += kW1; }
      const __m256i e0 = _mm256_mul_epu32(c0, m0), o0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0);
      const __m256i e1 = _mm256_mul_epu32(c2, m1), o1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1);
      const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
      const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
      const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
      const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
      c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
      c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
      c1 = lo1;
      c3 = lo0;
    }
    // 4 x 8 -> 8 x 4 transpose: block i's words c0..c3 land at out[4 (base + i) ...].
    const __m256i a = _mm256_unpacklo_epi32(c0, c1), b = _mm256_unpackhi_epi32(c0, c1);
    const __m256i c = _mm256_unpacklo_epi32(c2, c3), d = _mm256_unpackhi_epi32(c2, c3);
    const __m256i r0 = _mm256_unpacklo_epi64(a, c), r1 = _mm256_unpackhi_epi64(a, c);
    const __m256i r2 = _mm256_unpacklo_epi64(b, d), r3 = _mm256_unpackhi_epi64(b, d);
    __m256i* dst = reinterpret_cast<__m256i*>(out + 4 * base);
    _mm256_storeu_si256(dst + 0, _mm256_permute2x128_si256(r0, r1, 0x20));
    _mm256_storeu_si256(dst + 1, _mm256_permute2x128_si256(r2, r3, 0x20));
    _mm256_storeu_si256(dst + 2, _mm256_permute2x128_si256(r0, r1, 0x31));
    _mm256_storeu_si256(dst + 3, _mm256_permute2x128_si256(r2, r3, 0x31));
  }
}
const bool kHaveAvx2 = __builtin_cpu_supports("avx2");
#endif
}  // namespace

// Consecutive counters per refill; word order is block by block, the same on every path and for
// any batch size, so the stream's words do not depend on how they are buffered.
void RandomStream::refill() {
  const int n = filled_ == 0 ? kFirstBlocks : kBlocks;
#if defined(__x86_64__)
  if (kHaveAvx2) philox_blocks_avx2(counter_, key_, n, buffer_.data());
  else philox_blocks(counter_, key_, n, buffer_.data());
#else
  philox_blocks(counter_, key_, n, buffer_.data());
#endif
  counter_[0] += n;
  filled_ = 4 * n;
  used_ = 0;
}

double RandomStream::uniform_open() {
  for (;;) {
    const double u = uniform();
    if (u > 0) return u;
  }
}

uint32_t RandomStream::below(uint32_t bound) {
  uint64_t m = static_cast<uint64_t>(next_u32()) * bound;
  uint32_t low = static_cast<uint32_t>(m);
  if (low < bound) {
    const uint32_t threshold = static_cast<uint32_t>(-bound) % bound;
    while (low < threshold) {
      m = static_cast<uint64_t>(next_u32()) * bound;
      low = static_cast<uint32_t>(m);
    }
  }
  return static_cast<uint32_t>(m >> 32);
}

// ---------------------------------------------------------------------------------------------
namespace {
// The names of each enum, in the order of its enumerators.
constexpr const char* kLearnerNames[] = {"categorical", "density", "symbolic", "gaussian", "gmm", "ols"};
constexpr const char* kWorkflowNames[] = {"replace", "accumulate", "accumulate-subsample", "fresh"};
constexpr const char* kAlphaKindNames[] = {"zero", "constant", "harmonic", "geometric", "step", "list"};
constexpr const char* kSupportNames[] = {"alphabet", "observed"};

template <class E, size_t N>
E parse_name(const char* const (&names)[N], const std::string& name, const std::string& error) {
  for (size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<E>(i);
  throw Error(error);
}
}  // namespace

LearnerKind parse_learner(const std::string& n) {
  return parse_name<LearnerKind>(kLearnerNames, n, "unknown learner '" + n + "' (categorical, gaussian, gmm, ols, symbolic, density)");
}
Workflow parse_workflow(const std::string& n) {
  return parse_name<Workflow>(kWorkflowNames, n, "unknown workflow '" + n + "' (replace, accumulate, accumulate-subsample, fresh)");
}
AlphaKind parse_alpha_kind(const std::string& n) {
  return parse_name<AlphaKind>(kAlphaKindNames, n,
                               "alpha schedule: unknown kind '" + n + "' (zero, constant, harmonic, geometric, step, list)");
}
Support parse_support(const std::string& n) {
  return parse_name<Support>(kSupportNames, n, "support must be 'alphabet' or 'observed', got '" + n + "'");
}
const char* name_of(LearnerKind v) { return kLearnerNames[static_cast<int>(v)]; }
const char* name_of(Workflow v) { return kWorkflowNames[static_cast<int>(v)]; }
const char* name_of(AlphaKind v) { return kAlphaKindNames[static_cast<int>(v)]; }
const char* name_of(Support v) { return kSupportNames[static_cast<int>(v)]; }

double AlphaSchedule::at(int t) const {
  if (kind == AlphaKind::kZero) return 0;
  if (kind == AlphaKind::kConstant) return value;
  if (kind == AlphaKind::kHarmonic) return 1.0 / (t + 1);
  if (kind == AlphaKind::kGeometric) return value * std::pow(rate, t - 1);
  if (kind == AlphaKind::kStep) return t >= step_at ? after : value;
  return list.empty() ? 0 : list[std::min<size_t>(t - 1, list.size() - 1)];  // kList
}

std::string AlphaSchedule::describe() const {
  char buf[160];
  if (kind == AlphaKind::kZero) return "zero (alpha_t = 0)";
  if (kind == AlphaKind::kHarmonic) return "harmonic (alpha_t = 1/(t+1))";
  if (kind == AlphaKind::kConstant) std::snprintf(buf, sizeof buf, "constant (alpha_t = %g)", value);
  else if (kind == AlphaKind::kGeometric) std::snprintf(buf, sizeof buf, "geometric (alpha_t = %g * %g^(t-1))", value, rate);
  else if (kind == AlphaKind::kStep) std::snprintf(buf, sizeof buf, "step (alpha_t = %g, then %g from t = %d)", value, after, step_at);
  else std::snprintf(buf, sizeof buf, "list (%zu values, last repeats)", list.size());
  return buf;
}

// Kinds whose schedule reads `value` (constant, geometric: alpha_1, step: before step_at).
static bool uses_value(AlphaKind k) { return k == AlphaKind::kConstant || k == AlphaKind::kGeometric || k == AlphaKind::kStep; }

void AlphaSchedule::validate() const {
  auto in01 = [](double a, const std::string& what) {
    if (!(a >= 0 && a <= 1)) throw Error("alpha must lie in [0, 1]: " + what + " = " + std::to_string(a));
  };
  if (uses_value(kind)) in01(value, "alpha.value");
  if (kind == AlphaKind::kGeometric) in01(rate, "alpha.rate");
  if (kind == AlphaKind::kStep) { in01(after, "alpha.after"); if (step_at < 1) throw Error("alpha.step_at must be >= 1"); }
  if (kind == AlphaKind::kList) {
    if (list.empty()) throw Error("alpha schedule 'list' needs at least one value");
    for (size_t i = 0; i < list.size(); ++i) in01(list[i], "alpha.list[" + std::to_string(i) + "]");
  }
}

void CollapseConfig::validate() const {
  alpha.validate();
  if (samples < 2) throw Error("samples per generation N must be >= 2, got " + std::to_string(samples));
  if (generations < 1 || generations > 1000000) throw Error("generations must be in 1..1e6, got " + std::to_string(generations));
  if (replicates < 1) throw Error("replicates must be >= 1, got " + std::to_string(replicates));
  if (threads < 0) throw Error("threads must be >= 0, got " + std::to_string(threads));
  if (initial_samples < 0 || initial_samples == 1) throw Error("initial_samples must be 0 or >= 2");
  if (!(lambda > 0)) throw Error("lambda must be > 0, got " + std::to_string(lambda));
  if (!(eps_fp >= 0 && eps_fp <= 1)) throw Error("eps_fp must lie in [0, 1], got " + std::to_string(eps_fp));
  if (!(eps_fn >= 0 && eps_fn < 1)) throw Error("eps_fn must lie in [0, 1), got " + std::to_string(eps_fn));
  if (!(tail_quantile > 0 && tail_quantile < 1)) throw Error("tail_quantile must lie in (0, 1)");
  if (metric_samples < 0 || metric_samples > 100000000) throw Error("metric_samples must be in 0..1e8, got " + std::to_string(metric_samples));
  if (!(smoothing >= 0)) throw Error("smoothing must be >= 0");
  if (learner == LearnerKind::kCategorical) {
    const size_t k = p0.empty() ? static_cast<size_t>(categories) : p0.size();
    if (k < 2) throw Error("categorical learner needs at least 2 categories");
    double sum = 0;
    for (double p : p0) { if (!(p >= 0)) throw Error("p0 has a negative or NaN entry"); sum += p; }
    if (!p0.empty() && !(sum > 0)) throw Error("p0 sums to 0");
    if (!values.empty() && values.size() != k) throw Error("values must have one entry per category");
  }
  if (learner == LearnerKind::kGaussian && (dim < 1 || dim > 1000)) throw Error("dim must be in 1..1000, got " + std::to_string(dim));
  if ((learner == LearnerKind::kGaussian || learner == LearnerKind::kGmm) && !(sigma0 > 0)) throw Error("sigma0 must be > 0");
  if (learner == LearnerKind::kGaussian && samples <= dim) throw Error("gaussian learner needs samples > dim");
  if (learner == LearnerKind::kGmm) {
    if (gmm_weights.size() != 2 || gmm_means.size() != 2 || gmm_sigmas.size() != 2)
      throw Error("gmm needs 2 weights, 2 means and 2 sigmas");
    if (!(gmm_weights[0] > 0 && gmm_weights[1] > 0) || !(gmm_sigmas[0] > 0 && gmm_sigmas[1] > 0))
      throw Error("gmm weights and sigmas must be > 0");
  }
  if (learner == LearnerKind::kOls) {
    if (ols_dim < 1 || samples < ols_dim + 2) throw Error("ols needs 1 <= ols_dim <= samples - 2");
    if (verifier) throw Error("ols learner: the verifier is not defined for regression labels (drop --eps-fp/--eps-fn)");
  }
  if (learner == LearnerKind::kSymbolic || learner == LearnerKind::kDensity) {
    if (space_states < 1 || space_states > kSymbolicMaxStates)
      throw Error("space_states must be 1, 2 or 3 (the (n,2) space is enumerated whole)");
    if (input_bits < 0 || input_bits > kSymbolicMaxInputBits) throw Error("input_bits must be in 0..10");
    if (cutoff < 1 || cutoff > kSymbolicMaxCutoff) throw Error("cutoff must be in 1..40 for the symbolic learner");
    const Machine m = parse_standard_text(machine, 2);  // throws on a malformed machine, before any work
    if (m.space.states > 8) throw Error("machine '" + machine + "' has more than 8 states");
    for (const MachineEntry& e : m.entries)
      if (!e.defined) throw Error("machine '" + machine + "' has an undefined transition");
  }
}

uint64_t derive_seed(uint64_t seed, uint64_t index) {
  if (index == 0) return seed;
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * index;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t CollapseConfig::stream_key() const { return derive_seed(seed, stream); }

// ---------------------------------------------------------------------------------------------
using nlohmann::json;

// An integer field: a JSON integer, or a number with no fractional part, within T's range. nlohmann's
// get<int>() converts an out-of-range float with undefined behaviour (1.7e26 as `samples`, found by
// the fuzzer), so every integer goes through here and a bad one is one clear error.
template <class T>
static T integer_field(const json& v, const char* key) {
  const auto bad = [&]() -> Error {
    return Error(std::string("config: '") + key + "' must be an integer from " +
                 std::to_string(std::numeric_limits<T>::min()) + " to " + std::to_string(std::numeric_limits<T>::max()));
  };
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) throw bad();
    return static_cast<T>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        (i > 0 && static_cast<uint64_t>(i) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
      throw bad();
    return static_cast<T>(i);
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^64 and -2^63 are exact doubles: compare before converting.
    if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(std::numeric_limits<T>::min()) ||
        d >= 18446744073709551616.0 || d > static_cast<double>(std::numeric_limits<T>::max()))
      throw bad();
    return static_cast<T>(d);
  }
  throw bad();
}

static AlphaSchedule alpha_from_json(const json& j) {
  AlphaSchedule a;
  if (j.is_number()) { a.kind = AlphaKind::kConstant; a.value = j.get<double>(); return a; }
  if (j.is_string()) {
    a.kind = parse_alpha_kind(j.get<std::string>());
    return a;
  }
  if (j.is_array()) { a.kind = AlphaKind::kList; a.list = j.get<std::vector<double>>(); return a; }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "kind") a.kind = parse_alpha_kind(it->get<std::string>());
    else if (k == "value") a.value = it->get<double>();
    else if (k == "rate") a.rate = it->get<double>();
    else if (k == "step_at") a.step_at = integer_field<int>(*it, "step_at");
    else if (k == "after") a.after = it->get<double>();
    else if (k == "list") a.list = it->get<std::vector<double>>();
    else throw Error("config: unknown key 'alpha." + k + "'");
  }
  return a;
}

CollapseConfig config_from_json(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const std::exception& e) {
    throw Error(std::string("config: not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw Error("config: the top level must be a JSON object");
  CollapseConfig c;
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const json& v = *it;
      if (k == "label") c.label = v.get<std::string>();
      else if (k == "learner") c.learner = parse_learner(v.get<std::string>());
      else if (k == "workflow") c.workflow = parse_workflow(v.get<std::string>());
      else if (k == "alpha") c.alpha = alpha_from_json(v);
      else if (k == "fixed_real") c.fixed_real = v.get<bool>();
      else if (k == "iid_mixture") c.iid_mixture = v.get<bool>();
      else if (k == "generations") c.generations = integer_field<int>(v, "generations");
      else if (k == "replicates") c.replicates = integer_field<int>(v, "replicates");
      else if (k == "samples") c.samples = integer_field<int>(v, "samples");
      else if (k == "initial_samples") c.initial_samples = integer_field<int>(v, "initial_samples");
      else if (k == "seed") c.seed = integer_field<uint64_t>(v, "seed");
      else if (k == "stream") c.stream = integer_field<uint32_t>(v, "stream");
      else if (k == "threads") c.threads = integer_field<int>(v, "threads");
      else if (k == "lambda") c.lambda = v.get<double>();
      else if (k == "verifier") c.verifier = v.get<bool>();
      else if (k == "eps_fp") c.eps_fp = v.get<double>();
      else if (k == "eps_fn") c.eps_fn = v.get<double>();
      else if (k == "verifier_radius") c.verifier_radius = v.get<double>();
      else if (k == "tail_quantile") c.tail_quantile = v.get<double>();
      else if (k == "light_metrics") c.light_metrics = v.get<bool>();
      else if (k == "metric_samples") c.metric_samples = integer_field<int>(v, "metric_samples");
      else if (k == "categories") c.categories = integer_field<int>(v, "categories");
      else if (k == "p0") c.p0 = v.get<std::vector<double>>();
      else if (k == "values") c.values = v.get<std::vector<double>>();
      else if (k == "smoothing") c.smoothing = v.get<double>();
      else if (k == "support") c.support = parse_support(v.get<std::string>());
      else if (k == "dim") c.dim = integer_field<int>(v, "dim");
      else if (k == "mu0") c.mu0 = v.get<double>();
      else if (k == "sigma0") c.sigma0 = v.get<double>();
      else if (k == "estimator") {
        const auto e = v.get<std::string>();
        if (e != "mle" && e != "unbiased") throw Error("config: estimator must be 'mle' or 'unbiased', got '" + e + "'");
        c.unbiased = e == "unbiased";
      }
      else if (k == "gmm_weights") c.gmm_weights = v.get<std::vector<double>>();
      else if (k == "gmm_means") c.gmm_means = v.get<std::vector<double>>();
      else if (k == "gmm_sigmas") c.gmm_sigmas = v.get<std::vector<double>>();
      else if (k == "em_iterations") c.em_iterations = integer_field<int>(v, "em_iterations");
      else if (k == "ols_dim") c.ols_dim = integer_field<int>(v, "ols_dim");
      else if (k == "ols_noise") c.ols_noise = v.get<double>();
      else if (k == "machine") c.machine = v.get<std::string>();
      else if (k == "space_states") c.space_states = integer_field<int>(v, "space_states");
      else if (k == "input_bits") c.input_bits = integer_field<int>(v, "input_bits");
      else if (k == "cutoff") c.cutoff = integer_field<uint32_t>(v, "cutoff");
      else if (k == "prior_weight") c.prior_weight = v.get<double>();
      else if (k == "table") c.table_path = v.get<std::string>();
      else throw Error("config: unknown key '" + k + "'");
    }
  } catch (const json::exception& e) {
    throw Error(std::string("config: wrong type for a key: ") + e.what());
  }
  c.validate();
  return c;
}

std::string config_to_json(const CollapseConfig& c) {
  json a{{"kind", name_of(c.alpha.kind)}};
  if (uses_value(c.alpha.kind)) a["value"] = c.alpha.value;
  if (c.alpha.kind == AlphaKind::kGeometric) a["rate"] = c.alpha.rate;
  if (c.alpha.kind == AlphaKind::kStep) { a["step_at"] = c.alpha.step_at; a["after"] = c.alpha.after; }
  if (c.alpha.kind == AlphaKind::kList) a["list"] = c.alpha.list;
  json j{{"label", c.label}, {"learner", name_of(c.learner)}, {"workflow", name_of(c.workflow)}, {"alpha", a},
         {"fixed_real", c.fixed_real}, {"iid_mixture", c.iid_mixture}, {"generations", c.generations},
         {"replicates", c.replicates}, {"samples", c.samples}, {"initial_samples", c.initial_samples},
         {"seed", c.seed}, {"stream", c.stream}, {"lambda", c.lambda}, {"verifier", c.verifier}, {"eps_fp", c.eps_fp},
         {"eps_fn", c.eps_fn}, {"tail_quantile", c.tail_quantile}, {"light_metrics", c.light_metrics}};
  if (c.learner == LearnerKind::kCategorical) {
    j["categories"] = c.p0.empty() ? c.categories : static_cast<int>(c.p0.size());
    if (!c.p0.empty()) j["p0"] = c.p0;
    j["smoothing"] = c.smoothing;
    j["support"] = name_of(c.support);
  } else if (c.learner == LearnerKind::kGaussian) {
    j["dim"] = c.dim; j["mu0"] = c.mu0; j["sigma0"] = c.sigma0;
    j["estimator"] = c.unbiased ? "unbiased" : "mle";
    if (c.dim > 1) j["metric_samples"] = c.metric_samples;
  } else if (c.learner == LearnerKind::kGmm) {
    j["gmm_weights"] = c.gmm_weights; j["gmm_means"] = c.gmm_means; j["gmm_sigmas"] = c.gmm_sigmas;
    j["em_iterations"] = c.em_iterations;
  } else if (c.learner == LearnerKind::kOls) {
    j["ols_dim"] = c.ols_dim; j["ols_noise"] = c.ols_noise;
  } else {
    j["machine"] = c.machine; j["space_states"] = c.space_states; j["input_bits"] = c.input_bits;
    j["cutoff"] = c.cutoff; j["prior_weight"] = c.prior_weight; j["smoothing"] = c.smoothing;
    if (!c.table_path.empty()) j["table"] = c.table_path;
  }
  return j.dump();
}

}  // namespace ctm::collapse
