// The CPU backend: host memory, a thread pool, and the kernels of linear/ (matmul, embedding
// gather) and ops/ (norms, RoPE, SwiGLU, paged KV write and attention) for the active ISA.
//
//   CpuBackend cpu(threads);
//   cpu.reserve_matmul(w, max_rows); cpu.matmul(w, x, T, y, ldy, bias);
//
// Weights are used in place; where the active variant has a panel layout (x86 VNNI), pack_weight
// packs the Q8_0/Q4_0 matrices only products read into it (one packed copy per matrix for all
// contexts that share it; see SharedPanels), which the model does in the background. Ops run
// synchronously on the pool, so synchronize() has nothing to wait for. Sampling stays on the host (samples_on_device() is false).
//
// Given a CPU list ("cpu:4-7"), the pool's members are pinned one per CPU, the thread that creates
// the backend and the thread of each step (stage_step) are pinned to the first, and alloc touches new
// memory from the pinned members, so that the KV cache and scratch pages land on their NUMA node
// (Linux places a page on the node of the CPU that first writes it). Given a node too
// ("cpu:4-7;node=1"), alloc also binds new memory to that node (mbind, preferred) before touching it;
// when the kernel refuses (EPERM in a sandbox, ENOSYS, no such node) first touch alone places it and
// the backend says so once on stderr. With weights=replicate, upload_weight copies (or packs) each
// weight matrix into memory placed the same way instead of referencing the mapped file (one copy
// per context).
#pragma once

#include <memory>
#include <vector>

#include "backend/backend.h"
#include "core/thread_pool.h"

namespace ember {

// Where a pinned context's memory goes (see above).
struct CpuPlacement {
  int node = -1;                   // NUMA node to bind allocations to; -1: first touch only
  bool replicate_weights = false;  // copy weights into context memory instead of using them in place
};

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int32_t threads);
  // Pinned to cpus (see above); throws std::system_error when a member cannot be pinned.
  CpuBackend(int32_t threads, std::vector<int> cpus, CpuPlacement placement = {});
  ~CpuBackend() override;

  const char* name() const override { return "cpu"; }
  // Pins the calling thread to the pool's first CPU (nothing when not pinned); 0 or an errno value.
  int pin_caller() { return pool_.pin_caller(); }
  const std::vector<int>& cpus() const { return pool_.cpus(); }
  int32_t threads() const { return pool_.size(); }
  const CpuPlacement& placement() const { return placement_; }
  // 0 while every bind to the node succeeded (or none was asked), else the errno of the first refusal.
  int bind_error() const { return bind_error_; }

  void* alloc(int64_t bytes) override;
  void free(void* ptr) override;
  void copy_to_device(void* dst, const void* host_src, int64_t bytes) override;
  void copy_to_host(void* host_dst, const void* src, int64_t bytes) override;
  void copy_on_device(void* dst, const void* src, int64_t bytes) override;
  int upload_weight(const Tensor& host, WeightUse use, Tensor* device) override;
  void free_weight(const Tensor& device) override;
  int pack_weight(const Tensor& device, Tensor* packed) override;
  void synchronize() override {}

  int reserve_matmul(const Tensor& w, int64_t max_rows) override;
  int reserve_attention(int32_t head_dim, int32_t max_tokens) override;
  int64_t workspace_bytes() const override { return matmul_scratch_bytes_ + attention_scratch_floats_ * 4; }
  StepInputs stage_step(const ember_step& step) override;
  void finish_step(const ember_step& step, const StepInputs& staged) override {}

  void matmul(const Tensor& w, const float* x, int64_t T, float* y, int64_t ldy, const float* bias) override;
  void matmul_group(const LinearOut* outs, int n, const float* x, int64_t T) override;
  void embed(const Tensor& w, const int32_t* ids, int64_t n, float* out) override;
  void gather_rows(const float* x, const int32_t* rows, int64_t n, int64_t width, float* out) override;
  void rms_norm(const float* x, const float* w, int64_t T, int64_t n, float eps, float* out) override;
  void add_rms_norm(float* x, const float* delta, const float* w, int64_t T, int64_t n, float eps,
                    float* out) override;
  void rope_angles(const float* inv_freq, int32_t half, const int32_t* positions, int32_t T, float* cs) override;
  void rope(float* x, int32_t T, int32_t heads, int32_t head_dim, int32_t style, const float* cs) override;
  void swiglu(float* gate, const float* up, int64_t T, int64_t n) override;
  void kv_write(const KvLayer& layer, const StepView& step, const float* k, const float* v, int64_t ld) override;
  void attention(const KvLayer& layer, const StepView& step, int32_t heads, const float* q, float* out) override;

 private:
  // Writes zeros over [p, p + bytes) split across the pool's members, each on its own CPU.
  void first_touch(void* p, int64_t bytes);
  // Binds [p, p + bytes) to the placement's node (when there is one); a refusal is noted, not fatal.
  void bind(void* p, int64_t bytes);

  ThreadPool pool_;
  const CpuPlacement placement_;
  int bind_error_ = 0;
  void* matmul_scratch_ = nullptr;
  int64_t matmul_scratch_bytes_ = 0;
  float* attention_scratch_ = nullptr;
  int64_t attention_scratch_floats_ = 0;
};

}  // namespace ember
