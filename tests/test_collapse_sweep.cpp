// Collapse simulator: sweeps (grid parsing, independent streams, closed forms within standard errors,
// tidy CSVs, figures), presets faithful to the papers (MAD's unbiased fit, n0 and W2^2 plateaus), SVG
// ticks, and the CLI's handling of bad input (issue 14: one error line, no output folder left behind).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <array>
#include <algorithm>

#include "cli_testing.hpp"
#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

using namespace ctm::collapse;
using ctm::test_support::run_cli;
using ctm::test_support::temp_dir;

namespace {

constexpr double kSe = 5.0;  // Monte Carlo tolerance in standard errors, as in test_collapse.cpp

// The y tick labels of an SVG in document order, with the values they stand for (data-v).
struct Tick {
  double value;
  std::string label;
  double y;
};
std::vector<std::vector<Tick>> y_ticks_by_panel(const std::string& svg) {
  std::vector<std::vector<Tick>> panels;
  const std::regex group("<g transform"), tick("<text class=\"ytick\" data-v=\"([^\"]+)\" x=\"[^\"]+\" y=\"([^\"]+)\"[^>]*>([^<]*)</text>");
  std::istringstream in(svg);
  std::string line;
  while (std::getline(in, line)) {
    if (std::regex_search(line, group)) panels.emplace_back();
    std::smatch m;
    if (std::regex_search(line, m, tick) && !panels.empty())
      panels.back().push_back({std::stod(m[1]), m[3], std::stod(m[2])});
  }
  return panels;
}

CollapseResult handmade(const std::string& metric, std::vector<double> per_generation) {
  CollapseResult r;
  r.config.label = "handmade";
  r.metrics = {metric};
  r.generations = static_cast<int>(per_generation.size()) - 1;
  r.replicates = 1;
  r.values = std::move(per_generation);
  return r;
}

}  // namespace

// Issue 14.5: labels were cut to 9 characters (1.168e9 showed as "1.1680621") and on var_ratio the
// bottom label exceeded the top one. Ticks now say what they mean and increase up the axis.
TEST(CollapseSvg, TickLabelsAreReadableCorrectAndMonotone) {
  std::ostringstream big, narrow;
  write_svg({handmade("big", {1.1680621e9, 1.2e9, 1.3e9})}, "t", big);
  write_svg({handmade("var_ratio", {1.0626259, 1.1892566, 1.1})}, "t", narrow);
  EXPECT_EQ(big.str().find("1.1680621<"), std::string::npos);
  for (const std::string& svg : {big.str(), narrow.str()}) {
    const auto panels = y_ticks_by_panel(svg);
    ASSERT_EQ(panels.size(), 1u);
    const auto& ticks = panels[0];
    ASSERT_GE(ticks.size(), 3u) << svg;
    for (size_t i = 0; i < ticks.size(); ++i) {
      EXPECT_LE(ticks[i].label.size(), 9u) << ticks[i].label;
      EXPECT_NEAR(std::stod(ticks[i].label), ticks[i].value, 1e-3 * std::fabs(ticks[i].value)) << ticks[i].label;
      if (i > 0) {
        EXPECT_GT(ticks[i].value, ticks[i - 1].value);
        EXPECT_LT(ticks[i].y, ticks[i - 1].y);  // larger values higher up
      }
    }
  }
  // A metric spanning decades gets a log axis with decade ticks.
  std::ostringstream wide;
  write_svg({handmade("var_ratio", {1, 1e-2, 1e-5})}, "t", wide);
  const auto ticks = y_ticks_by_panel(wide.str())[0];
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_EQ(ticks.front().label, "1e-05");
  EXPECT_EQ(ticks.back().label, "1");
  EXPECT_NE(wide.str().find("(log y axis)"), std::string::npos);
}

TEST(CollapseSweep, AxesParseListsAndRangesAndRejectBadText) {
  const SweepAxis a = parse_sweep_axis("alpha=0:0.5:0.05");
  EXPECT_EQ(a.key, "alpha");
  ASSERT_EQ(a.values.size(), 11u);
  EXPECT_EQ(a.values[3], "0.15");
  EXPECT_EQ(a.values.back(), "0.5");
  EXPECT_EQ(parse_sweep_axis("alpha=0:0.5:0.025").values.size(), 21u);
  EXPECT_EQ(parse_sweep_axis("samples=10,20,50").values, (std::vector<std::string>{"10", "20", "50"}));
  for (const char* bad : {"alpha", "alpha=", "=1", "alpha=1,,2", "alpha=0:1", "alpha=1:0:0.1", "alpha=0:1:0", "alpha=a:b:c"})
    EXPECT_THROW(parse_sweep_axis(bad), ctm::Error) << bad;
  CollapseConfig c;
  EXPECT_THROW(set_config_key(c, "bogus", "1"), ctm::Error);
  EXPECT_THROW(set_config_key(c, "samples", "2.5"), ctm::Error);
  set_config_key(c, "diameter", "90");
  ASSERT_EQ(c.values.size(), 10u);
  EXPECT_DOUBLE_EQ(c.values.back(), 90.0);
  set_config_key(c, "alpha", "0");
  EXPECT_EQ(c.alpha.kind, AlphaKind::kZero);
}

TEST(CollapseSweep, StreamsAreIndependentPerPointAndReproducible) {
  EXPECT_EQ(derive_seed(42, 0), 42u);
  EXPECT_NE(derive_seed(42, 1), derive_seed(42, 2));
  CollapseConfig c;
  c.categories = 4;
  c.samples = 10;
  c.generations = 5;
  c.replicates = 50;
  c.threads = 1;
  auto c1 = c;
  c1.stream = 1;
  const auto r0 = run_collapse(c), r1 = run_collapse(c1), r1b = run_collapse(c1);
  EXPECT_EQ(r1.values, r1b.values);
  EXPECT_NE(r0.values, r1.values);
  // The same point twice in a grid: equal laws but different draws unless the sweep is paired.
  SweepSpec s;
  s.base = c;
  s.axes = {parse_sweep_axis("samples=10,10")};
  s.metrics = {"gini_simpson"};
  auto independent = run_sweep(s);
  EXPECT_NE(independent.points[0].series[0].back().mean, independent.points[1].series[0].back().mean);
  EXPECT_EQ(independent.points[0].config.stream, 1u);
  EXPECT_EQ(independent.points[1].config.stream, 2u);
  s.paired = true;
  auto paired = run_sweep(s);
  EXPECT_EQ(paired.points[0].series[0].back().mean, paired.points[1].series[0].back().mean);
}

TEST(CollapseSweep, ExactWrightFisherSolver) {
  EXPECT_NEAR(wright_fisher_absorption_time(2, 1), 2.0, 1e-12);  // 1 / (1 - 1/2)
  EXPECT_NEAR(wright_fisher_absorption_time(3, 1), 3.0, 1e-12);  // 1 / (1 - 4/9 - 2/9)
  EXPECT_EQ(wright_fisher_absorption_time(10, 0), 0.0);
  // Within ~3% of the diffusion approximation -2N sum (1-p) ln(1-p) at N = 50, p = 1/2.
  EXPECT_NEAR(wright_fisher_absorption_time(50, 25), diffusion_absorption_time({0.5, 0.5}, 50), 0.03 * 69.3);
  EXPECT_NEAR(grounded_gini_equilibrium(0.5, 8, 0.2), 0.5 * (1 - 1 / 4.25), 1e-15);  // round(1.6) = 2 real items
}

// The shipped closed forms against simulated sweep points: fixation time of the 2-type chain (alpha = 0)
// and the grounded Gini-Simpson equilibrium (alpha > 0), each within kSe standard errors.
TEST(CollapseSweep, SimulatedPointsAgreeWithTheClosedForms) {
  SweepSpec s;
  s.base.learner = LearnerKind::kCategorical;
  s.base.workflow = Workflow::kFresh;
  s.base.p0 = {0.7, 0.3};
  s.base.generations = 500;  // leaves about e^-20 of the alpha = 0 replicates unfixed
  s.base.replicates = 2000;
  s.base.threads = 2;
  s.base.light_metrics = true;
  s.axes = {parse_sweep_axis("alpha=0,0.1,0.3"), parse_sweep_axis("samples=10,25")};
  s.metrics = {"gini_simpson"};
  const SweepResult r = run_sweep(s);
  ASSERT_EQ(r.points.size(), 6u);
  int checked = 0;
  for (const SweepPoint& p : r.points) {
    const bool zero = p.values[0] == "0";
    const std::string q = zero ? "fixation_time" : "final_gini_simpson";
    const double v = p.quantity(q), se = p.quantity(q, &SweepQuantity::se), cf = p.quantity(q, &SweepQuantity::closed_form);
    ASSERT_TRUE(std::isfinite(cf)) << p.config.label << " " << q;
    EXPECT_NEAR(v, cf, kSe * se) << p.config.label << " " << q << " se " << se;
    if (zero) EXPECT_DOUBLE_EQ(p.quantity("fixed_share"), 1.0) << p.config.label;
    ++checked;
  }
  EXPECT_EQ(checked, 6);
  // The exact chain, not the diffusion formula, is what the closed form column holds for K = 2.
  const double n = 10, p = 0.7;
  double expected = 1;
  for (int i = 1; i < n; ++i)
    expected += std::exp(std::lgamma(n + 1) - std::lgamma(i + 1) - std::lgamma(n - i + 1) + i * std::log(p) +
                         (n - i) * std::log(1 - p)) * wright_fisher_absorption_time(10, i);
  EXPECT_NEAR(r.points[0].quantity("fixation_time", &SweepQuantity::closed_form), expected, 1e-9);
}

TEST(CollapseSweep, OutputsAreTidyAndFiguresHaveReadableAxes) {
  SweepSpec s;
  s.base.categories = 3;
  s.base.generations = 20;
  s.base.replicates = 40;
  s.base.threads = 1;
  s.axes = {parse_sweep_axis("alpha=0,0.5"), parse_sweep_axis("samples=5,50,500")};
  s.metrics = {"entropy", "gini_simpson"};
  s.every = 10;
  s.figure_metric = "final_gini_simpson";
  const SweepResult r = run_sweep(s);
  std::ostringstream csv, summary, svg;
  write_sweep_csv(r, csv);
  write_sweep_summary_csv(r, summary);
  write_sweep_svg(r, svg);
  std::istringstream in(csv.str());
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line[0], '#');
  std::getline(in, line);
  EXPECT_EQ(line, "combination,alpha,samples,generation,metric,mean,se,q05,q25,median,q75,q95,finite");
  int rows = 0;
  while (std::getline(in, line)) ++rows;
  EXPECT_EQ(rows, 6 * 3 * 2);  // 6 points x generations 0, 10, 20 x 2 metrics
  EXPECT_NE(summary.str().find("\n5,0.5,500,6,final_gini_simpson,"), std::string::npos) << summary.str();
  const std::string f = svg.str();
  size_t cells = 0;
  for (size_t at = f.find("<rect x="); at != std::string::npos; at = f.find("<rect x=", at + 1))
    if (f.compare(f.find('>', at) + 1, 7, "<title>") == 0) ++cells;
  EXPECT_EQ(cells, 6u);
  const auto ticks = y_ticks_by_panel(f);
  ASSERT_EQ(ticks.size(), 2u);  // heatmap (axis values) and lines (numeric ticks)
  for (size_t i = 1; i < ticks[1].size(); ++i) EXPECT_GT(ticks[1][i].value, ticks[1][i - 1].value);
}

// Issue 17.1-2: the MAD presets use the paper's unbiased covariance fit and n0 = 100 and 1000; runs
// presented as independent have their own streams, the paired OLS comparison shares one.
TEST(CollapsePresets, FaithfulToThePapersAndIndependentWhereIndependent) {
  const auto fresh = preset("mad-fresh");
  ASSERT_EQ(fresh.size(), 4u);
  std::set<uint32_t> streams;
  std::set<int> n0;
  for (const auto& c : fresh) {
    EXPECT_TRUE(c.unbiased);
    EXPECT_EQ(c.dim, 100);
    EXPECT_EQ(c.samples, 1000);
    EXPECT_EQ(std::lround(c.alpha.value * c.samples), 100);
    n0.insert(c.initial_samples);
    streams.insert(c.stream);
  }
  EXPECT_EQ(n0, (std::set<int>{100, 1000}));
  EXPECT_EQ(streams.size(), 4u);
  for (const auto& c : preset("mad-fully-synthetic")) EXPECT_TRUE(c.unbiased);
  for (const char* name : {"shumailov-gaussian", "mad-fully-synthetic", "bertrand-mix", "zenil-grounded", "zenil-symbolic"}) {
    std::set<uint32_t> s;
    const auto runs = preset(name);
    for (const auto& c : runs) s.insert(c.stream);
    EXPECT_EQ(s.size(), runs.size()) << name;
  }
  for (const auto& c : preset("gerstgrasser-ols")) EXPECT_EQ(c.stream, 0u);
}

// Issue 17.1: the fresh-data loop's W2^2 settles near the published plateaus, ~12.3 (lambda 1) and
// ~20.6 (lambda 0.8), whatever n0 (a short run: 3 replicates, generations 14..20, no Monte Carlo metrics).
TEST(CollapsePresets, MadFreshSettlesAtThePublishedW2SquaredPlateaus) {
  for (auto c : preset("mad-fresh")) {
    c.replicates = 3;
    c.generations = 20;
    c.metric_samples = 0;
    c.threads = 2;
    const auto r = run_collapse(c);
    const int m = r.metric_index("w2_squared"), w = r.metric_index("w2");
    double sum = 0;
    int n = 0;
    for (int rep = 0; rep < r.replicates; ++rep)
      for (int t = 14; t <= 20; ++t) {
        sum += r.value(rep, t, m);
        EXPECT_NEAR(r.value(rep, t, w) * r.value(rep, t, w), r.value(rep, t, m), 1e-9 * r.value(rep, t, m));
        ++n;
      }
    const double plateau = sum / n, published = c.lambda == 1 ? 12.3 : 20.6;
    EXPECT_NEAR(plateau, published, 0.5) << c.label;
  }
}

// The published claims the other presets reproduce (docs/collapse.md, "Presets"), on shortened runs:
// the grounded Gini equilibrium (zenil-grounded), replace vs accumulate against n sigma^2 tr((X'X)^-1)
// and its pi^2/6 bound (gerstgrasser-ols), the symbolic fixed point against the collapsing density loop.
TEST(CollapsePresets, ShippedPresetsReproduceThePublishedClaims) {
  for (auto c : preset("zenil-grounded")) {
    c.replicates = 150;
    c.generations = 200;
    c.threads = 2;
    const auto r = run_collapse(c);
    const auto s = summarize(r, r.metric_index("gini_simpson"), c.generations);
    const double expected = c.alpha.kind == AlphaKind::kZero ? r.expected.at("gini_simpson")[c.generations]
                                                   : r.reference.at("gini_stationary");
    EXPECT_NEAR(s.mean, expected, kSe * s.se + 1e-3) << c.label;
  }
  for (auto c : preset("gerstgrasser-ols")) {
    c.replicates = 100;
    c.threads = 2;
    const auto r = run_collapse(c);
    const auto s = summarize(r, r.metric_index("test_error"), c.generations);
    if (c.workflow == Workflow::kReplace) EXPECT_NEAR(s.mean, 100 * r.reference.at("sigma2_trace_xtx_inv"), kSe * s.se);
    if (c.workflow == Workflow::kAccumulate) {
      EXPECT_NEAR(s.mean, r.expected.at("test_error")[c.generations], kSe * s.se);
      EXPECT_LT(r.expected.at("test_error")[c.generations], r.reference.at("accumulate_limit_pi2_6"));
    }
  }
  for (auto c : preset("zenil-symbolic")) {
    c.replicates = 40;
    c.threads = 2;
    const auto r = run_collapse(c);
    const int id = r.metric_index("identified"), loss = r.metric_index("support_loss"), h = r.metric_index("entropy");
    if (c.learner == LearnerKind::kSymbolic) {
      for (int t = 0; t <= c.generations; ++t) ASSERT_EQ(summarize(r, id, t).mean, 1.0) << "t " << t;
      EXPECT_NEAR(summarize(r, h, c.generations).mean, 3.375, 1e-12);
    } else {
      EXPECT_EQ(summarize(r, loss, c.generations).mean, 1.0);
      EXPECT_LT(summarize(r, h, c.generations).mean, 0.5);
    }
  }
}

// Issue 14.8, 14.14, 14.15: negative counts are rejected, an error leaves no output folder, and a bad
// machine is reported in one line before any progress line.
TEST(CollapseCli, BadInputGivesOneLineAndLeavesNoFolder) {
  const std::string tmp = temp_dir("ctm-collapse-cli-");
  const std::string out = tmp + "/out";
  for (const char* bad : {"--learner gaussian -r -5 -N -7 -g -3 -j -9", "-r 2 -g 2 -N -7", "-r 2 -g -3",
                          "-r 2 -g 2 -j -9", "-r 2 -g 2 --seed -1", "-r 2 -g 2 -K -3",
                          "-r 2 -g 2 --learner gaussian --dim -2", "-r 2 -g 2 --learner ols --eps-fp 0.1",
                          "-r 2 -g 2 --learner symbolic --machine XYZ", "-r 2 -g 2 --sweep alpha=0:1",
                          "-r 2 -g 2 --sweep bogus=1", "-r 2 -g 2 --sweep alpha=0,2", "-r 2 -g 2 --metrics entropy"}) {
    const auto r = run_cli(std::string("collapse ") + bad + " -o " + out, tmp);
    EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
    EXPECT_EQ(r.err.rfind("ctm: error: ", 0), 0u) << bad << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << bad;
  }
  const auto sym = run_cli("collapse --learner symbolic --machine XYZ -o " + out, tmp);
  EXPECT_EQ(sym.err.find("enumerating"), std::string::npos) << sym.err;
  EXPECT_NE(sym.err.find("machine 'XYZ'"), std::string::npos) << sym.err;
  // A sweep from the command line writes the tidy CSV, the summary and the figure.
  const auto ok = run_cli("collapse -K 3 -N 10 -g 4 -r 10 -q --sweep alpha=0,0.5 --sweep samples=10,20 -o " + out, tmp);
  ASSERT_EQ(ok.status, 0) << ok.err;
  for (const char* f : {"sweep.csv", "sweep_summary.csv", "sweep.svg"}) EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  std::filesystem::remove_all(tmp);
}

// Config checks, TOML configs and the CLI (moved here from test_collapse.cpp to keep files short).
TEST(CollapseConfigCheck, BadConfigsAreRejectedWithAClearMessage) {
  auto message = [](const CollapseConfig& c) {
    try {
      c.validate();
    } catch (const ctm::Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CollapseConfig c;
  c.alpha.kind = AlphaKind::kConstant;
  c.alpha.value = 1.5;
  EXPECT_NE(message(c).find("alpha must lie in [0, 1]"), std::string::npos) << message(c);
  c.alpha.value = -0.1;
  EXPECT_NE(message(c).find("alpha must lie in [0, 1]"), std::string::npos);
  c = CollapseConfig{};
  c.alpha.kind = AlphaKind::kList;
  c.alpha.list = {0.5, 2};
  EXPECT_NE(message(c).find("alpha.list[1]"), std::string::npos) << message(c);
  c = CollapseConfig{};
  c.samples = 1;
  EXPECT_NE(message(c).find("N must be >= 2"), std::string::npos) << message(c);
  auto parse_message = [](auto parse, const std::string& name) {
    try {
      parse(name);
    } catch (const ctm::Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(parse_message(parse_learner, "transformer"),
            "unknown learner 'transformer' (categorical, gaussian, gmm, ols, symbolic, density)");
  EXPECT_EQ(parse_message(parse_workflow, "keep"), "unknown workflow 'keep' (replace, accumulate, accumulate-subsample, fresh)");
  EXPECT_EQ(parse_message(parse_alpha_kind, "cosine"),
            "alpha schedule: unknown kind 'cosine' (zero, constant, harmonic, geometric, step, list)");
  EXPECT_EQ(parse_message(parse_support, "all"), "support must be 'alphabet' or 'observed', got 'all'");
  // Every name parses to the enumerator whose name it is (one table per enum).
  for (const char* n : {"categorical", "gaussian", "gmm", "ols", "symbolic", "density"}) EXPECT_STREQ(name_of(parse_learner(n)), n);
  for (const char* n : {"replace", "accumulate", "accumulate-subsample", "fresh"}) EXPECT_STREQ(name_of(parse_workflow(n)), n);
  for (const char* n : {"zero", "constant", "harmonic", "geometric", "step", "list"}) EXPECT_STREQ(name_of(parse_alpha_kind(n)), n);
  for (const char* n : {"alphabet", "observed"}) EXPECT_STREQ(name_of(parse_support(n)), n);
  EXPECT_EQ(parse_learner("gmm"), LearnerKind::kGmm);
  EXPECT_EQ(parse_workflow("accumulate-subsample"), Workflow::kAccumulateSubsample);
  EXPECT_THROW(config_from_json("{\"workflow\": \"keep\"}"), ctm::Error);
  EXPECT_THROW(config_from_json("{\"alpha\": \"cosine\"}"), ctm::Error);
  EXPECT_THROW(config_from_json("{\"alpha\": 2}"), ctm::Error);
  EXPECT_THROW(config_from_json("{\"samples\": 1}"), ctm::Error);
  EXPECT_THROW(config_from_json("{\"learner\": \"x\"}"), ctm::Error);
  EXPECT_THROW(config_from_json("{\"sampels\": 10}"), ctm::Error);
  // Integer fields: a float out of range (the fuzzer's 17e25), a fraction, a negative count into an
  // unsigned field and a string are one clear error; an integral float is the integer.
  try {
    config_from_json("{\"samples\": 17e25}");
    ADD_FAILURE() << "17e25 samples accepted";
  } catch (const ctm::Error& e) {
    EXPECT_EQ(std::string(e.what()), "config: 'samples' must be an integer from -2147483648 to 2147483647");
  }
  EXPECT_THROW(config_from_json("{\"samples\": 50.5}"), ctm::Error);
  EXPECT_THROW(config_from_json("{\"seed\": -1}"), ctm::Error);
  EXPECT_THROW(config_from_json("{\"cutoff\": 1e300}"), ctm::Error);
  EXPECT_THROW(config_from_json("{\"generations\": \"3\"}"), ctm::Error);
  EXPECT_EQ(config_from_json("{\"samples\": 50.0}").samples, 50);
  EXPECT_EQ(config_from_json("{\"seed\": 18446744073709551615}").seed, 18446744073709551615ull);
  const CollapseConfig ok = config_from_json(
      "{\"learner\": \"gaussian\", \"estimator\": \"unbiased\", \"alpha\": {\"kind\": \"step\", \"value\": 0.5, "
      "\"step_at\": 3, \"after\": 0}, \"samples\": 50}");
  EXPECT_TRUE(ok.unbiased);
  EXPECT_EQ(ok.alpha.at(2), 0.5);
  EXPECT_EQ(ok.alpha.at(3), 0.0);
  EXPECT_EQ(config_from_json(config_to_json(ok)).alpha.describe(), ok.alpha.describe());
}

TEST(CollapseConfigCheck, TomlConfigsMeanTheSameAsJson) {
  if (!toml_supported()) GTEST_SKIP() << "built without toml++";
  const std::string toml =
      "# Wright-Fisher with a step schedule\n"
      "label = \"wf\"\nlearner = \"categorical\"\nworkflow = \"fresh\"\n"
      "p0 = [0.5, 0.25, 0.25]\nsamples = 40\ngenerations = 12\nreplicates = 30\nseed = 9\nthreads = 1\n"
      "[alpha]\nkind = \"step\"\nvalue = 0.5\nstep_at = 3\nafter = 0.0\n";
  const std::string json =
      "{\"label\": \"wf\", \"learner\": \"categorical\", \"workflow\": \"fresh\", \"p0\": [0.5, 0.25, 0.25],"
      " \"samples\": 40, \"generations\": 12, \"replicates\": 30, \"seed\": 9, \"threads\": 1,"
      " \"alpha\": {\"kind\": \"step\", \"value\": 0.5, \"step_at\": 3, \"after\": 0}}";
  const CollapseConfig a = config_from_toml(toml), b = config_from_json(json);
  EXPECT_EQ(config_to_json(a), config_to_json(b));
  EXPECT_EQ(a.alpha.at(2), 0.5);
  EXPECT_EQ(a.alpha.at(3), 0.0);
  EXPECT_EQ(run_collapse(a).values.size(), run_collapse(b).values.size());
  const auto ra = run_collapse(a), rb = run_collapse(b);
  for (size_t i = 0; i < ra.values.size(); ++i)
    if (!(std::isnan(ra.values[i]) && std::isnan(rb.values[i]))) ASSERT_EQ(ra.values[i], rb.values[i]) << i;
  // The same rejections as JSON, and a TOML syntax error names its line.
  auto message = [](const std::string& text) {
    try {
      config_from_toml(text);
    } catch (const ctm::Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("samples = 1\n").find("N must be >= 2"), std::string::npos) << message("samples = 1\n");
  EXPECT_NE(message("sampels = 10\n").find("unknown key 'sampels'"), std::string::npos);
  EXPECT_NE(message("learner = \"x\"\n").find("unknown learner 'x'"), std::string::npos);
  const std::string broken = message("samples = 10\nlearner = = 3\n");
  EXPECT_NE(broken.find("not valid TOML (line 2"), std::string::npos) << broken;
  EXPECT_NE(message("when = 1979-05-27\n").find("dates and times"), std::string::npos);
}

TEST(CollapseCli, RejectsBadConfigsAndWritesOutputs) {
  auto run = [](const std::string& args, std::string* out) {
    const std::string cmd = std::string(CTM_CLI) + " collapse " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf;
    size_t n;
    out->clear();
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out->append(buf.data(), n);
    const int raw = pclose(p);
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  };
  const auto dir = std::filesystem::temp_directory_path() / ("ctm-collapse-" + std::to_string(::getpid()));
  std::string out;
  EXPECT_EQ(run("--alpha 1.5 -o " + dir.string(), &out), 2);
  EXPECT_NE(out.find("ctm: error: alpha must lie in [0, 1]"), std::string::npos) << out;
  EXPECT_EQ(run("-N 1 -o " + dir.string(), &out), 2);
  EXPECT_NE(out.find("N must be >= 2"), std::string::npos) << out;
  EXPECT_EQ(run("--learner bogus -o " + dir.string(), &out), 2);
  EXPECT_NE(out.find("unknown learner 'bogus'"), std::string::npos) << out;
  EXPECT_EQ(run("--preset nope -o " + dir.string(), &out), 2);
  EXPECT_NE(out.find("unknown preset 'nope'"), std::string::npos) << out;
  EXPECT_EQ(run("-K 4 -N 10 -g 5 -r 20 -q -o " + dir.string(), &out), 0) << out;
  EXPECT_TRUE(std::filesystem::exists(dir / "run.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "summary.json"));
  std::ifstream svg(dir / "plots.svg");
  std::string first;
  std::getline(svg, first);
  EXPECT_EQ(first.rfind("<svg", 0), 0u);
  if (toml_supported()) {  // a .toml config file is read as TOML, with the file named in errors
    const auto cfg = dir / "c.toml";
    std::ofstream(cfg) << "learner = \"categorical\"\ncategories = 3\nsamples = 10\ngenerations = 4\nreplicates = 5\n";
    EXPECT_EQ(run("--config " + cfg.string() + " -q -o " + (dir / "t").string(), &out), 0) << out;
    EXPECT_TRUE(std::filesystem::exists(dir / "t" / "summary.json"));
    std::ofstream(cfg) << "samples = [\n";
    EXPECT_EQ(run("--config " + cfg.string() + " -q -o " + (dir / "t").string(), &out), 2) << out;
    EXPECT_NE(out.find("c.toml: config: not valid TOML"), std::string::npos) << out;
  }
  std::filesystem::remove_all(dir);
}
