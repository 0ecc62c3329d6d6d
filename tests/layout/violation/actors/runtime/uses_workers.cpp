// Not built: the layout check must refuse this include (tests/CMakeLists.txt).
#include "actors/workers/supervisor.hpp"
