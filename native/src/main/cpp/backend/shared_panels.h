// Panel-packed copies of host weight matrices (linear.h: pack_panels), shared by every CPU context
// of the process that packs the same matrix: contexts that reference their weights in place (one
// per core set of a node, say) hold one packed copy between them, as they held one mapped file.
//
//   const void* p = SharedPanels::acquire(host, bytes, [&](void* dst) { pack_panels(pool, host, dst); });
//   ...
//   SharedPanels::release(p);
//
// A copy is found by the host matrix's address, dtype and shape, so host weights must not change
// while a model made from them lives (the C API asks that of weights referenced in place anyway).
#pragma once

#include <cstdint>
#include <functional>

#include "linear/linear.h"

namespace ember {

// Memory for one packed copy: 2 MiB aligned and advised into transparent huge pages (madvise mode
// is common), so that packing a model faults in 2 MiB at a time rather than 4 KiB (146 MB of fresh
// 4 KiB pages took 420 ms to first touch on a Zen 5 VM) and its products stream through fewer TLB
// entries. Null with ember_last_error set when the allocation fails; free with panel_free.
void* panel_alloc(int64_t bytes);
void panel_free(void* p);

class SharedPanels {
 public:
  // The packed copy of host (bytes long), made by pack(dst) into a new allocation when no context
  // holds one; null with ember_last_error set when that allocation fails.
  static const void* acquire(const Tensor& host, int64_t bytes, const std::function<void(void*)>& pack);
  // Drops one hold on a copy from acquire; the last frees it.
  static void release(const void* packed);
  // Copies held now (for tests).
  static int64_t count();
};

}  // namespace ember
