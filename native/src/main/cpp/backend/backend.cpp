// Backend selection by device name, and the defaults of the optional parts of the interface.
#include "backend/backend.h"

#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "api/error.h"
#include "backend/cpu_backend.h"
#include "backend/cpu_list.h"
#include "backend/numa.h"

namespace ember {

namespace {
// Reads the ';'-separated options of a pinned CPU device: node=<N> (bind its memory to NUMA node N)
// and weights=replicate|shared. False with why set for anything else.
bool parse_placement(const char* text, CpuPlacement* out, std::string* why) {
  std::string rest(text);
  size_t at = 0;
  while (at <= rest.size()) {
    size_t end = rest.find(';', at);
    std::string option = rest.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (option.rfind("node=", 0) == 0 && option.size() > 5 &&
        option.find_first_not_of("0123456789", 5) == std::string::npos && option.size() <= 9) {
      out->node = std::stoi(option.substr(5));
    } else if (option == "weights=replicate") {
      out->replicate_weights = true;
    } else if (option == "weights=shared") {
      out->replicate_weights = false;
    } else {
      *why = "unknown option '" + option + "' (options: node=<N>, weights=replicate|shared)";
      return false;
    }
    if (end == std::string::npos) break;
    at = end + 1;
  }
  if (out->node > kMaxNumaNode) {
    *why = "node " + std::to_string(out->node) + " is above " + std::to_string(kMaxNumaNode);
    return false;
  }
  return true;
}
}  // namespace

std::shared_ptr<Backend> Backend::create(const char* device, int32_t threads) {
  if (device == nullptr || std::strcmp(device, "cpu") == 0) {
    if (threads <= 0) {
      fail(EMBER_ERR_INVALID, "threads (%d) must be positive", threads);
      return nullptr;
    }
    return std::make_shared<CpuBackend>(threads);
  }
  if (std::strncmp(device, "cpu:", 4) == 0) {
    // A core set: kernel threads pinned one per CPU, the caller on the first; options after ';'.
    std::vector<int> cpus;
    std::string why;
    const char* options = std::strchr(device + 4, ';');
    std::string list = options == nullptr ? std::string(device + 4) : std::string(device + 4, options);
    if (!parse_cpu_list(list.c_str(), &cpus, &why)) {
      fail(EMBER_ERR_INVALID, "device '%s': %s", device, why.c_str());
      return nullptr;
    }
    CpuPlacement placement;
    if (options != nullptr && !parse_placement(options + 1, &placement, &why)) {
      fail(EMBER_ERR_INVALID, "device '%s': %s", device, why.c_str());
      return nullptr;
    }
    if (threads <= 0) {
      fail(EMBER_ERR_INVALID, "threads (%d) must be positive", threads);
      return nullptr;
    }
    std::shared_ptr<CpuBackend> cpu;
    try {
      cpu = std::make_shared<CpuBackend>(threads, cpus, placement);
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
  fail(EMBER_ERR_BACKEND_UNAVAILABLE, "backend not available: device '%s' (this build has: cpu, cpu:<cpu list>)",
       device);
  return nullptr;
}

void Backend::matmul_group(const LinearOut* outs, int n, const float* x, int64_t T) {
  for (int i = 0; i < n; i++) matmul(*outs[i].w, x, T, outs[i].y, outs[i].ldy, outs[i].bias);
}

int Backend::sample(const float* logits, int32_t rows, int32_t vocab, const SampleParams& params, int32_t* ids) {
  return fail(EMBER_ERR_INVALID, "backend %s does not sample on the device; sample the logits on the host", name());
}

}  // namespace ember
