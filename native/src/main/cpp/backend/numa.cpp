#include "backend/numa.h"

#include <cerrno>
#include <cstring>
#include <string>

#if defined(__linux__)
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace ember {

namespace {
constexpr int kWordBits = 8 * sizeof(unsigned long);
constexpr int kMaskWords = (kMaxNumaNode + 1) / kWordBits;
// get_mempolicy flags (linux/mempolicy.h).
constexpr unsigned long kFlagNode = 1;
constexpr unsigned long kFlagAddr = 2;
}  // namespace

bool numa_node_exists(int node) {
#if defined(__linux__)
  if (node < 0 || node > kMaxNumaNode) return false;
  struct stat st;
  std::string dir = "/sys/devices/system/node/node" + std::to_string(node);
  return stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
#else
  return false;
#endif
}

int bind_to_node(void* p, int64_t bytes, int node) {
#if defined(__linux__) && defined(SYS_mbind)
  if (node < 0 || node > kMaxNumaNode) return EINVAL;
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t begin = ((uintptr_t)p + page - 1) & ~(page - 1);
  uintptr_t end = ((uintptr_t)p + (uintptr_t)bytes) & ~(page - 1);
  if (end <= begin) return 0;  // no whole page: first touch places it
  unsigned long mask[kMaskWords] = {};
  mask[node / kWordBits] = 1UL << (node % kWordBits);
  // The kernel reads maxnode - 1 bits of the mask.
  if (syscall(SYS_mbind, (void*)begin, (unsigned long)(end - begin), kMpolPreferred, mask,
              (unsigned long)(kMaxNumaNode + 2), 0UL) != 0)
    return errno;
  return 0;
#else
  return ENOSYS;
#endif
}

int memory_policy_of(const void* p, int* mode, int* node) {
#if defined(__linux__) && defined(SYS_get_mempolicy)
  unsigned long mask[kMaskWords] = {};
  int m = -1;
  if (syscall(SYS_get_mempolicy, &m, mask, (unsigned long)(kMaxNumaNode + 1), p, kFlagAddr) != 0) return errno;
  *mode = m;
  *node = -1;
  for (int n = 0; n <= kMaxNumaNode; n++) {
    if (mask[n / kWordBits] & (1UL << (n % kWordBits))) {
      *node = n;
      break;
    }
  }
  return 0;
#else
  return ENOSYS;
#endif
}

int node_of_page(const void* p, int* node) {
#if defined(__linux__) && defined(SYS_get_mempolicy)
  int n = -1;
  if (syscall(SYS_get_mempolicy, &n, nullptr, 0UL, p, kFlagNode | kFlagAddr) != 0) return errno;
  *node = n;
  return 0;
#else
  return ENOSYS;
#endif
}

}  // namespace ember
