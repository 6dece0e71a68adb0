// `ctm machines`: the machines of a small space that produce a string (ctm::for_each_producing_run).
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "ctm/producers.hpp"

namespace ctm::cli {

Command add_machines(CLI::App& app) {
  struct Args {
    Space space;
    uint32_t cutoff = 0;
    std::string target;
  };
  auto a = std::make_shared<Args>();
  auto* mc = app.add_subcommand("machines", "List the machines that produce a string (small spaces)");
  mc->add_option("--states,-n", a->space.states, "Number of states n")->required();
  mc->add_option("--symbols,-k", a->space.symbols, "Number of symbols k")->required();
  mc->add_option("--cutoff,-T", a->cutoff, "Step cutoff T (default: standard)");
  mc->add_option("string", a->target, "Output string")->required();
  return {mc, [a] {
            std::ostringstream rows;  // after the header, which needs the checked cutoff
            const count_t total = for_each_producing_run(a->space, a->cutoff, a->target, [&](const ProducingRun& r) {
              rows << r.blank << "\t" << r.steps << "\t" << to_string(r.weight) << "\t" << r.machine << "\n";
            });
            const uint32_t cutoff = a->cutoff ? a->cutoff : standard_cutoff(a->space);
            std::cout << "# machines of " << a->space.name() << " producing " << a->target << " within " << cutoff
                      << " steps; --- = never read (any entry), count = machines the row stands for\n"
                         "# blank\tsteps\tcount\tmachine\n"
                      << rows.str() << "# total " << to_string(total) << " (machine, blank) runs\n";
            return 0;
          }};
}

}  // namespace ctm::cli
