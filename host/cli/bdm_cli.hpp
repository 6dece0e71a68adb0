// `ctm bdm` and `ctm perturb`: registered on the main CLI11 app, run after parsing (docs/bdm.md).
#pragma once
#include <CLI/CLI.hpp>
#include <memory>

namespace ctm::cli {

class BdmCommands {
 public:
  explicit BdmCommands(CLI::App& app);
  ~BdmCommands();
  // True when one of these subcommands was given; run() then returns the exit status
  // (0 all inputs scored, 1 some inputs rejected, each with one error line on stderr).
  bool parsed() const;
  int run();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace ctm::cli
