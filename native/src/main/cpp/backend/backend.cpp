// Backend selection by device name, and the defaults of the optional parts of the interface.
#include "backend/backend.h"

#include <cstring>

#include "api/error.h"
#include "backend/cpu_backend.h"

namespace ember {

std::shared_ptr<Backend> Backend::create(const char* device, int32_t threads) {
  if (device == nullptr || std::strcmp(device, "cpu") == 0) {
    if (threads <= 0) {
      fail(EMBER_ERR_INVALID, "threads (%d) must be positive", threads);
      return nullptr;
    }
    return std::make_shared<CpuBackend>(threads);
  }
  fail(EMBER_ERR_BACKEND_UNAVAILABLE, "backend not available: device '%s' (this build has: cpu)", device);
  return nullptr;
}

int Backend::sample(const float* logits, int32_t rows, int32_t vocab, const SampleParams& params, int32_t* ids) {
  return fail(EMBER_ERR_INVALID, "backend %s does not sample on the device; sample the logits on the host", name());
}

}  // namespace ember
