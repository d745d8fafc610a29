// Runs a test body once per kernel variant this CPU supports, forcing it, then restores the best.
//
//   for_each_isa([&](ember::Isa isa) { ... });
#pragma once

#include <cstdio>

#include "core/isa.h"

namespace ember_test {

template <typename Fn>
void for_each_isa(const Fn& fn) {
  using ember::Isa;
  for (Isa isa : ember::kAllIsas) {
    if (!ember::isa_supported(isa)) continue;
    ember::force_isa(isa);
    fn(isa);
  }
  ember::force_isa(ember::detected_isa());
}

}  // namespace ember_test
