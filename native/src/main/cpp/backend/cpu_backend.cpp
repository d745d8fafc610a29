// The CPU backend: each op is the existing host kernel, split over the pool by rows where there is
// enough work to share (the same thresholds the forward used before the backend seam).
#include "backend/cpu_backend.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "api/error.h"
#include "backend/numa.h"
#include "backend/shared_panels.h"
#include "core/isa.h"
#include "ops/parallel.h"

namespace ember {

namespace {
// Row ops are shared over the pool from this many values on.
constexpr int64_t kShareValues = 16384;
}  // namespace

CpuBackend::CpuBackend(int32_t threads) : pool_(threads) {}

CpuBackend::CpuBackend(int32_t threads, std::vector<int> cpus, CpuPlacement placement)
    : pool_(threads, std::move(cpus)), placement_(placement) {}

CpuBackend::~CpuBackend() {
  ember_free(matmul_scratch_);
  ember_free(attention_scratch_);
}

void* CpuBackend::alloc(int64_t bytes) {
  void* p = ember_alloc(bytes);
  if (p != nullptr && placement_.node >= 0) bind(p, bytes);
  if (p != nullptr && pool_.pinned()) first_touch(p, bytes);
  return p;
}

void CpuBackend::bind(void* p, int64_t bytes) {
  if (placement_.node < 0 || bind_error_ != 0) return;  // after a refusal, first touch places everything
  int err = numa_node_exists(placement_.node) ? bind_to_node(p, bytes, placement_.node) : ENODEV;
  if (err != 0) {
    bind_error_ = err;
    std::fprintf(stderr, "ember: cannot bind memory to NUMA node %d (%s); placing it by first touch from the "
                 "context's pinned threads\n", placement_.node, std::strerror(err));
  }
}

void CpuBackend::first_touch(void* p, int64_t bytes) {
  if (pool_.pin_caller() != 0) return;  // placement is an optimisation; the caller was pinned at creation
  constexpr int64_t kPage = 4096;
  pool_.run([&](int tid, int nth) {
    int64_t b, e;
    split_range(bytes, tid, nth, kPage, &b, &e);
    if (e > b) std::memset((char*)p + b, 0, e - b);
  });
}

void CpuBackend::free(void* ptr) { ember_free(ptr); }

void CpuBackend::copy_to_device(void* dst, const void* host_src, int64_t bytes) { std::memcpy(dst, host_src, bytes); }

void CpuBackend::copy_to_host(void* host_dst, const void* src, int64_t bytes) { std::memcpy(host_dst, src, bytes); }

void CpuBackend::copy_on_device(void* dst, const void* src, int64_t bytes) { std::memcpy(dst, src, bytes); }

int CpuBackend::upload_weight(const Tensor& host, WeightUse use, Tensor* device) {
  if (!placement_.replicate_weights) {
    *device = host;
    return 0;
  }
  // A copy of the context's own: bound to its node, and each page written by the pinned member that
  // copies it (first touch), so the matmuls of this context read node-local memory. A matrix only
  // products read is packed into it (pack_weight then has nothing left to do).
  const int64_t packed = use == WeightUse::Matmul ? panel_layout_bytes(host) : 0;
  const int64_t bytes = packed > 0 ? packed : ember_dtype_bytes(host.dtype, host.rows * host.cols);
  void* p = packed > 0 ? panel_alloc(bytes) : ember_alloc(bytes);
  if (p == nullptr) return -1;
  bind(p, bytes);
  pool_.pin_caller();
  if (packed > 0) {
    *device = pack_panels(pool_, host, p);
    return 0;
  }
  constexpr int64_t kPage = 4096;
  pool_.run([&](int tid, int nth) {
    int64_t b, e;
    split_range(bytes, tid, nth, kPage, &b, &e);
    if (e > b) std::memcpy((char*)p + b, (const char*)host.data + b, e - b);
  });
  *device = Tensor{p, host.dtype, host.rows, host.cols};
  return 0;
}

int CpuBackend::pack_weight(const Tensor& device, Tensor* packed) {
  const int64_t bytes = panel_layout_bytes(device);
  if (placement_.replicate_weights || bytes == 0) return 1;
  ThreadPool caller(1);  // the calling thread alone: the pool's members serve the forwards meanwhile
  const void* p = SharedPanels::acquire(device, bytes, [&](void* dst) { pack_panels(caller, device, dst); });
  if (p == nullptr) return -1;
  *packed = Tensor{p, device.dtype, device.rows, device.cols, kX86Panels};
  return 0;
}

void CpuBackend::free_weight(const Tensor& device) {
  if (placement_.replicate_weights) {
    if (device.layout == kX86Panels) {
      panel_free(const_cast<void*>(device.data));
    } else {
      ember_free(const_cast<void*>(device.data));
    }
  } else if (device.layout == kX86Panels) {
    SharedPanels::release(device.data);
  }
}

int CpuBackend::reserve_matmul(const Tensor& w, int64_t max_rows) {
  int64_t need = std::max<int64_t>(linear_scratch_bytes(w.dtype, max_rows, w.cols), 64);
  if (need <= matmul_scratch_bytes_) return 0;
  void* p = alloc(need);
  if (p == nullptr) return -1;
  ember_free(matmul_scratch_);
  matmul_scratch_ = p;
  matmul_scratch_bytes_ = need;
  return 0;
}

int CpuBackend::reserve_attention(int32_t head_dim, int32_t max_tokens) {
  int64_t need = pool_.size() * attention_scratch_floats(head_dim);
  if (need <= attention_scratch_floats_) return 0;
  float* p = (float*)alloc(need * 4);
  if (p == nullptr) return -1;
  ember_free(attention_scratch_);
  attention_scratch_ = p;
  attention_scratch_floats_ = need;
  return 0;
}

StepInputs CpuBackend::stage_step(const ember_step& s) {
  pool_.pin_caller();  // the thread of each step is one of the context's pinned threads
  StepInputs in;
  in.token_ids = s.token_ids;
  in.logits_indices = s.logits_indices;
  in.logits = s.logits;
  in.view = StepView{s.num_tokens, s.num_seqs, s.max_blocks, s.positions, s.query_start, s.block_tables,
                     s.slot_mapping};
  return in;
}

void CpuBackend::matmul(const Tensor& w, const float* x, int64_t T, float* y, int64_t ldy, const float* bias) {
  linear(pool_, w, x, T, y, ldy, bias, matmul_scratch_);
}

void CpuBackend::matmul_group(const LinearOut* outs, int n, const float* x, int64_t T) {
  linear_group(pool_, outs, n, x, T, matmul_scratch_);
}

void CpuBackend::embed(const Tensor& w, const int32_t* ids, int64_t n, float* out) {
  ember::gather_rows(w, ids, n, out);
}

void CpuBackend::gather_rows(const float* x, const int32_t* rows, int64_t n, int64_t width, float* out) {
  for (int64_t i = 0; i < n; i++) std::memcpy(out + i * width, x + (int64_t)rows[i] * width, width * 4);
}

void CpuBackend::rms_norm(const float* x, const float* w, int64_t T, int64_t n, float eps, float* out) {
  parallel_for(pool_, T, T * n >= kShareValues, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) rms_norm_row(x + t * n, w, n, eps, out + t * n);
  });
}

void CpuBackend::add_rms_norm(float* x, const float* delta, const float* w, int64_t T, int64_t n, float eps,
                              float* out) {
  parallel_for(pool_, T, T * n >= kShareValues, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      if (w == nullptr) add_row(x + t * n, delta + t * n, n);
      else add_rms_norm_row(x + t * n, delta + t * n, w, n, eps, out + t * n);
    }
  });
}

void CpuBackend::rope_angles(const float* inv_freq, int32_t half, const int32_t* positions, int32_t T, float* cs) {
  for (int32_t t = 0; t < T; t++) ember::rope_angles(inv_freq, half, positions[t], cs + (int64_t)t * 2 * half);
}

void CpuBackend::rope(float* x, int32_t T, int32_t heads, int32_t head_dim, int32_t style, const float* cs) {
  const int64_t ld = (int64_t)heads * head_dim;
  parallel_for(pool_, T, (int64_t)T * ld >= kShareValues, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) rope_apply(x + t * ld, heads, head_dim, style, cs + t * head_dim);
  });
}

void CpuBackend::swiglu(float* gate, const float* up, int64_t T, int64_t n) {
  const RowKernels& k = row_kernels(active_isa());
  parallel_for(pool_, T, T * n >= kShareValues, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) k.swiglu(gate + t * n, up + t * n, n);
  });
}

void CpuBackend::kv_write(const KvLayer& layer, const StepView& step, const float* k, const float* v, int64_t ld) {
  ember::kv_write(pool_, attention_kernels(active_isa()), layer, step, k, v, ld);
}

void CpuBackend::attention(const KvLayer& layer, const StepView& step, int32_t heads, const float* q, float* out) {
  ember::attention(pool_, attention_kernels(active_isa()), layer, step, heads, q, out, attention_scratch_);
}

}  // namespace ember
