// linear(): quantizes activations once, then splits output rows (or T) over the pool and
// runs the active ISA's tile kernels on weight chunks small enough to stay in L2.
#include "linear/linear.h"

#include "ember.h"
#include "linear/kernels.h"

namespace ember {

static int64_t align64(int64_t n) { return (n + 63) & ~(int64_t)63; }

static bool is_quantized(int32_t dtype) { return dtype == EMBER_Q8_0 || dtype == EMBER_Q4_0; }

const LinearKernels& kernels_for(Isa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case Isa::Avx2: return avx2_kernels();
    case Isa::Avx2Vnni: return avx2vnni_kernels();
    case Isa::Avx512: return avx512_kernels();
    case Isa::Avx512Bf16: return avx512bf16_kernels();
#endif
#if defined(__aarch64__)
    case Isa::Neon: return neon_kernels();
    case Isa::NeonDot: return neondot_kernels();
    case Isa::NeonMmla: return neonmmla_kernels();
#endif
    default: return scalar_kernels();
  }
}

// The kernels of a product: the active variant's, unless its weights are panels and the variant
// (forced since they were packed) reads none: then the variant that packed them.
static const LinearKernels& kernels_of(bool panels) {
  const LinearKernels& k = kernels_for(active_isa());
#if defined(__x86_64__)
  if (panels && k.pack_panels == nullptr) return avx512_kernels();
#endif
  return k;
}

int64_t panel_bytes_of(int32_t dtype, int64_t cols) {
  const int64_t nb = cols / kBlockValues, values = dtype == EMBER_Q8_0 ? kBlockValues : kBlockValues / 2;
  return nb * values * kPanelRows + (nb * 2 * kPanelRows + 63) / 64 * 64;
}

int64_t panel_layout_bytes(const Tensor& w) {
  if (!is_quantized(w.dtype) || w.layout != kRowMajor || kernels_for(active_isa()).pack_panels == nullptr) return 0;
  return (w.rows + kPanelRows - 1) / kPanelRows * panel_bytes_of(w.dtype, w.cols);
}

Tensor pack_panels(ThreadPool& pool, const Tensor& w, void* dst) {
  const LinearKernels& k = kernels_of(true);  // the panel variant even if another is forced meanwhile
  const WeightView wv{(const uint8_t*)w.data, ember_dtype_bytes(w.dtype, w.cols), w.cols};
  const int64_t count = (w.rows + kPanelRows - 1) / kPanelRows, bytes = panel_bytes_of(w.dtype, w.cols);
  pool.run([&](int tid, int nth) {
    int64_t p0, p1;
    split_range(count, tid, nth, 1, &p0, &p1);
    if (p0 < p1) k.pack_panels(wv, w.dtype, w.rows, p0, p1, bytes, (uint8_t*)dst);
  });
  return Tensor{dst, w.dtype, w.rows, w.cols, kX86Panels};
}

// Rows of the packed activation copy (whole groups): none for one row unless the weights are
// panels, whose tiles read it for every T.
static int64_t tile_rows(int64_t T, bool panels) {
  return T >= 2 || panels ? (T + kActTileTokens - 1) / kActTileTokens * kActTileTokens : 0;
}

// Groups of bf16 activation tiles for T rows (none below kBf16DotMinRows: those keep the exact tiles).
static int64_t bf16_groups(int64_t T) {
  return T >= kBf16DotMinRows ? (T + kBf16TileTokens - 1) / kBf16TileTokens : 0;
}
// Bytes of one group: every row's bf16 values, the columns padded to a multiple of 4 (the most any
// variant's layout takes: avx512-bf16 pads to pairs, neon-mmla to fours).
static int64_t bf16_group_bytes(int64_t cols) { return (cols + 3) / 4 * 8 * kBf16TileTokens; }

int64_t linear_scratch_bytes(int32_t dtype, int64_t T, int64_t cols) {
  // Counted whatever the variant, so that forcing another one never outgrows the scratch.
  if (dtype == EMBER_BF16) return bf16_groups(T) * bf16_group_bytes(cols);
  if (!is_quantized(dtype)) return 0;
  int64_t blocks = T * (cols / kBlockValues);
  int64_t tiles = tile_rows(T, true);
  return align64(T * cols) + 2 * align64(blocks * 4) + tiles / kActTileTokens * (cols / kBlockValues) * kActTileBlockBytes;
}

// Activations quantized on the calling thread below this many values (a pool hop costs more).
static constexpr int64_t kSerialQuantizeValues = 16384;
// Bytes one tile call keeps in L2 while every T tile passes over them: its weights, and for the
// tiles that repack weights per slab, its partial sums in y as well.
static constexpr int64_t kChunkBytes = 256 * 1024;
static constexpr int64_t kRowGrain = 16;
// The fewest rows a tile that reads packed activations gets for more than one tile group of
// activation rows: a multiple of every such tile's row block (AVX-512: 3 panels of 16 for int8, 2
// for bf16; AVX-VNNI: 2 of 8; NEON: 8, 6 or 4 rows).
static constexpr int64_t kSlabTileRows = 96;

// Quantizes x [T][cols] into scratch (on the pool when large enough to share).
static ActQ8 quantize_input(ThreadPool& pool, const LinearKernels& k, const float* x, int64_t T, int64_t cols,
                            bool panels, void* scratch) {
  int64_t blocks = T * (cols / kBlockValues);
  int8_t* q = (int8_t*)scratch;
  float* d = (float*)((uint8_t*)scratch + align64(T * cols));
  int32_t* sum = (int32_t*)((uint8_t*)d + align64(blocks * 4));
  const bool serial = T * cols <= kSerialQuantizeValues || pool.size() == 1;
  if (serial) {
    k.quantize_act(x, blocks, q, d, sum);
  } else {
    pool.run([&](int tid, int nth) {
      int64_t b0, b1;
      split_range(blocks, tid, nth, 8, &b0, &b1);
      if (b0 < b1) k.quantize_act(x + b0 * kBlockValues, b1 - b0, q + b0 * kBlockValues, d + b0, sum + b0);
    });
  }
  ActQ8 act{q, d, sum, cols};
  const int64_t tiles = tile_rows(T, panels);
  if (k.pack_act != nullptr && tiles > 0) {
    uint8_t* packed = (uint8_t*)sum + align64(blocks * 4);
    const int64_t groups = tiles / kActTileTokens;
    if (serial) {
      k.pack_act(act, T, 0, groups, packed);
    } else {
      pool.run([&](int tid, int nth) {
        int64_t g0, g1;
        split_range(groups, tid, nth, 1, &g0, &g1);
        if (g0 < g1) k.pack_act(act, T, g0, g1, packed);
      });
    }
    act.tiles = packed;
  }
  return act;
}

// x rounded to bf16 into scratch for the variant's bf16 tiles (on the pool when large enough to share).
static const uint8_t* pack_bf16_input(ThreadPool& pool, const LinearKernels& k, const float* x, int64_t T,
                                      int64_t cols, void* scratch) {
  uint8_t* tiles = (uint8_t*)scratch;
  const int64_t groups = bf16_groups(T);
  if (T * cols <= kSerialQuantizeValues || pool.size() == 1) {
    k.pack_bf16(x, T, cols, 0, groups, tiles);
  } else {
    pool.run([&](int tid, int nth) {
      int64_t g0, g1;
      split_range(groups, tid, nth, 1, &g0, &g1);
      if (g0 < g1) k.pack_bf16(x, T, cols, g0, g1, tiles);
    });
  }
  return tiles;
}

// Member tid's share of one product: its output rows (or T rows when there are too few weight rows
// to go round), in chunks small enough to stay in L2 while every T tile passes over them.
// bf16 weights take the variant's bf16_dot tiles when the activations were packed for them.
static void linear_share(const LinearKernels& k, const LinearOut& o, const float* x, const ActQ8& act,
                         const uint8_t* bf16_tiles, int64_t T, int tid, int nth) {
  const Tensor& w = *o.w;
  const bool panels = w.layout == kX86Panels;
  const WeightView wv{(const uint8_t*)w.data, ember_dtype_bytes(w.dtype, w.cols), w.cols,
                      panels ? panel_bytes_of(w.dtype, w.cols) : 0};
  const int64_t rows = w.rows;
  QuantTileFn qfn = w.dtype == EMBER_Q8_0 ? k.q8_0 : k.q4_0;
  FloatTileFn ffn = w.dtype == EMBER_F32 ? k.f32 : w.dtype == EMBER_F16 ? k.f16 : k.bf16;
  // Rows come in multiples of kRowGrain (the widest row panel of any tile kernel) for T >= 2 and
  // for panel weights, so that chunk and thread boundaries never cut a panel short.
  const int64_t grain = T >= 2 || panels ? kRowGrain : 4;
  int64_t chunk = kChunkBytes / (wv.row_bytes > 0 ? wv.row_bytes : 1);
  chunk = chunk < grain ? grain : chunk - chunk % grain;
  int64_t r0 = 0, r1 = rows, t0 = 0, t1 = T;
  if (rows >= 8 * nth || T < nth) {
    split_range(rows, tid, nth, grain, &r0, &r1);
  } else {
    split_range(T, tid, nth, 1, &t0, &t1);
  }
  if (r0 >= r1 || t0 >= t1) return;
  float* y = o.y;
  const int64_t ldy = o.ldy;
  const bool bf16_slabs = w.dtype == EMBER_BF16 && bf16_tiles != nullptr;
  if (bf16_slabs || (is_quantized(w.dtype) && act.tiles != nullptr && t1 - t0 >= 2)) {
    // Tiles that read packed activations (pack_bf16's or pack_act's records) repack their weights
    // per column slab, in L1, and keep partial sums in y between slabs. Their chunks keep both the
    // weights and those partial sums in L2 (with the whole share at once, each slab pass re-read y
    // from L3 at 128 tokens and read the weights in strided pieces at 8: both slower), but hold at
    // least kSlabTileRows rows once there is more than one tile group of activation rows: chunks of
    // kChunkBytes of weights alone left a long row (the 1.5b down projection) a single panel.
    int64_t yrows = std::min(chunk, kChunkBytes / (int64_t)sizeof(float) / (t1 - t0));
    const int64_t least = t1 - t0 > kActTileTokens ? kSlabTileRows : grain;
    yrows = yrows < least ? least : yrows - yrows % grain;
    for (int64_t c0 = r0; c0 < r1; c0 += yrows) {
      const int64_t c1 = std::min(r1, c0 + yrows);
      if (bf16_slabs) {
        k.bf16_dot(wv, bf16_tiles, c0, c1, t0, t1, y, ldy);
      } else {
        qfn(wv, act, c0, c1, t0, t1, y, ldy);
      }
    }
  } else {
    for (int64_t c0 = r0; c0 < r1; c0 += chunk) {
      int64_t c1 = c0 + chunk < r1 ? c0 + chunk : r1;
      if (is_quantized(w.dtype)) {
        qfn(wv, act, c0, c1, t0, t1, y, ldy);
      } else {
        ffn(wv, x, c0, c1, t0, t1, y, ldy);
      }
    }
  }
  if (o.bias) {
    for (int64_t t = t0; t < t1; t++) {
      for (int64_t r = r0; r < r1; r++) y[t * ldy + r] += o.bias[r];
    }
  }
}

void linear_group(ThreadPool& pool, const LinearOut* outs, int n, const float* x, int64_t T, void* scratch) {
  if (n <= 0) return;
  const int64_t cols = outs[0].w->cols;
  ActQ8 act{nullptr, nullptr, nullptr, cols};
  bool quantized = false, bf16 = false, panels = false;
  for (int i = 0; i < n; i++) {
    quantized = quantized || is_quantized(outs[i].w->dtype);
    bf16 = bf16 || outs[i].w->dtype == EMBER_BF16;
    panels = panels || outs[i].w->layout == kX86Panels;
  }
  // Panel weights are multiplied by the kernels that packed them, whatever variant is forced since.
  const LinearKernels& k = kernels_of(panels);
  if (quantized) act = quantize_input(pool, k, x, T, cols, panels, scratch);
  // The scratch holds one packed copy: a group mixing quantized and bf16 weights (no model has one)
  // keeps the exact bf16 tiles.
  const bool bf16_dot = bf16 && !quantized && k.bf16_dot != nullptr && T >= kBf16DotMinRows;
  const uint8_t* bf16_tiles = bf16_dot ? pack_bf16_input(pool, k, x, T, cols, scratch) : nullptr;
  pool.run([&](int tid, int nth) {
    for (int i = 0; i < n; i++) linear_share(k, outs[i], x, act, bf16_tiles, T, tid, nth);
  });
}

void linear(ThreadPool& pool, const Tensor& w, const float* x, int64_t T, float* y, int64_t ldy,
            const float* bias, void* scratch) {
  const LinearOut o{&w, y, ldy, bias};
  linear_group(pool, &o, 1, x, T, scratch);
}

}  // namespace ember
