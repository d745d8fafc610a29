// Backend selection by device name, and the defaults of the optional parts of the interface.
#include "backend/backend.h"

#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "api/error.h"
#include "backend/cpu_backend.h"
#include "backend/cpu_list.h"

namespace ember {

std::shared_ptr<Backend> Backend::create(const char* device, int32_t threads) {
  if (device == nullptr || std::strcmp(device, "cpu") == 0) {
    if (threads <= 0) {
      fail(EMBER_ERR_INVALID, "threads (%d) must be positive", threads);
      return nullptr;
    }
    return std::make_shared<CpuBackend>(threads);
  }
  if (std::strncmp(device, "cpu:", 4) == 0) {
    // A core set: kernel threads pinned one per CPU, the caller on the first.
    std::vector<int> cpus;
    std::string why;
    if (!parse_cpu_list(device + 4, &cpus, &why)) {
      fail(EMBER_ERR_INVALID, "device '%s': %s", device, why.c_str());
      return nullptr;
    }
    if (threads <= 0) {
      fail(EMBER_ERR_INVALID, "threads (%d) must be positive", threads);
      return nullptr;
    }
    std::shared_ptr<CpuBackend> cpu;
    try {
      cpu = std::make_shared<CpuBackend>(threads, cpus);
    } catch (const std::system_error& e) {
      fail(EMBER_ERR_INVALID, "device '%s': %s: offline or outside this process's CPUs", device, e.what());
      return nullptr;
    }
    int err = cpu->pin_caller();
    if (err != 0) {
      fail(EMBER_ERR_INVALID, "device '%s': cannot run on CPU %d (%s): offline or outside this process's CPUs",
           device, cpus[0], std::strerror(err));
      return nullptr;
    }
    return cpu;
  }
  fail(EMBER_ERR_BACKEND_UNAVAILABLE, "backend not available: device '%s' (this build has: cpu, cpu:<cpu list>)", device);
  return nullptr;
}

void Backend::matmul_group(const LinearOut* outs, int n, const float* x, int64_t T) {
  for (int i = 0; i < n; i++) matmul(*outs[i].w, x, T, outs[i].y, outs[i].ldy, outs[i].bias);
}

int Backend::sample(const float* logits, int32_t rows, int32_t vocab, const SampleParams& params, int32_t* ids) {
  return fail(EMBER_ERR_INVALID, "backend %s does not sample on the device; sample the logits on the host", name());
}

}  // namespace ember
