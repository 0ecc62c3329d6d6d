// Not built: the layout check must refuse this include, written with <...>.
#include <actors/runtime/route_gate.hpp>
