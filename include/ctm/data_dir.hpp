// Where ctm finds the tables it ships (data/): an installed binary looks beside itself, an
// uninstalled build in its source tree, and $CTM_DATA_DIR overrides both.
#pragma once
#include <string>

namespace ctm {

// The data folder, first of: $CTM_DATA_DIR (when set and not empty); <folder of the running
// executable>/<relative path from the install's bin to its share/ctm/data> (`cmake --install`);
// the source tree's data/ (a build that was not installed). When none exists, the installed
// location is returned, so an error names where the tables were expected.
std::string data_dir();

}  // namespace ctm
