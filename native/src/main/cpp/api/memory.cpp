// Memory side of the C API: file mapping, counted aligned allocation, last-error text.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <system_error>

#include "api/error.h"
#include "ember.h"

namespace ember {

static thread_local char last_error[1024];
static thread_local int last_error_code = 0;
static std::atomic<int64_t> allocated{0};

int fail(int code, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, args);
  va_end(args);
  last_error_code = code;
  return code;
}

int fail_current_exception(const char* entry) noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return fail(EMBER_ERR_OUT_OF_MEMORY, "%s: out of memory", entry);
  } catch (const std::system_error& e) {
    return fail(EMBER_ERR_SYSTEM, "%s: %s", entry, e.what());
  } catch (const std::exception& e) {
    return fail(EMBER_ERR_INTERNAL, "%s: %s", entry, e.what());
  } catch (...) {
    return fail(EMBER_ERR_INTERNAL, "%s: unknown exception", entry);
  }
}

}  // namespace ember

using ember::fail;

extern "C" const char* ember_last_error(void) { return ember::last_error; }

extern "C" int32_t ember_last_error_code(void) { return ember::last_error_code; }

extern "C" int64_t ember_dtype_bytes(int32_t dtype, int64_t n) {
  switch (dtype) {
    case EMBER_F32: return n * 4;
    case EMBER_F16:
    case EMBER_BF16: return n * 2;
    case EMBER_Q8_0: return n / 32 * 34;
    case EMBER_Q4_0: return n / 32 * 18;
    default: return -1;
  }
}

extern "C" void* ember_map_file(const char* path, int64_t* size_out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail(-1, "cannot open %s: %s", path, strerror(errno));
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    fail(-1, "cannot stat %s: %s", path, strerror(errno));
    close(fd);
    return nullptr;
  }
  if (st.st_size == 0) {
    fail(-1, "cannot map %s: file is empty", path);
    close(fd);
    return nullptr;
  }
  void* addr = mmap(nullptr, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  int saved = errno;
  close(fd);
  if (addr == MAP_FAILED) {
    fail(-1, "cannot map %s: %s", path, strerror(saved));
    return nullptr;
  }
  if (size_out) *size_out = (int64_t)st.st_size;
  return addr;
}

extern "C" int ember_unmap(void* addr, int64_t size) {
  if (addr == nullptr) return 0;
  if (munmap(addr, (size_t)size) != 0) return fail(-1, "munmap failed: %s", strerror(errno));
  return 0;
}

// Allocations carry a 64-byte header holding their size, so ember_free can count them.
extern "C" void* ember_alloc(int64_t bytes) {
  if (bytes < 0) {
    fail(-1, "negative allocation size %lld", (long long)bytes);
    return nullptr;
  }
  void* raw = nullptr;
  if (posix_memalign(&raw, 64, (size_t)bytes + 64) != 0) {
    fail(-1, "out of native memory allocating %lld bytes", (long long)bytes);
    return nullptr;
  }
  *(int64_t*)raw = bytes;
  ember::allocated.fetch_add(bytes, std::memory_order_relaxed);
  return (char*)raw + 64;
}

extern "C" void ember_free(void* ptr) {
  if (ptr == nullptr) return;
  char* raw = (char*)ptr - 64;
  ember::allocated.fetch_sub(*(int64_t*)raw, std::memory_order_relaxed);
  free(raw);
}

extern "C" int64_t ember_allocated_bytes(void) { return ember::allocated.load(std::memory_order_relaxed); }
