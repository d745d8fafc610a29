#include "backend/cpu_list.h"

#include <algorithm>
#include <cctype>

namespace ember {

namespace {
// Reads a decimal id at *p (advancing it); false when there is none or it is above kMaxCpuId.
bool read_id(const char** p, int* id) {
  if (!std::isdigit((unsigned char)**p)) return false;
  long v = 0;
  while (std::isdigit((unsigned char)**p)) {
    v = v * 10 + (**p - '0');
    if (v > kMaxCpuId) return false;
    (*p)++;
  }
  *id = (int)v;
  return true;
}
}  // namespace

bool parse_cpu_list(const char* text, std::vector<int>* cpus, std::string* why) {
  cpus->clear();
  const char* p = text;
  if (p == nullptr || *p == '\0') {
    *why = "empty CPU list";
    return false;
  }
  for (;;) {
    int lo, hi;
    if (!read_id(&p, &lo)) break;
    hi = lo;
    if (*p == '-') {
      p++;
      if (!read_id(&p, &hi) || hi < lo) break;
    }
    for (int c = lo; c <= hi; c++) cpus->push_back(c);
    if (*p == '\0') {
      std::sort(cpus->begin(), cpus->end());
      cpus->erase(std::unique(cpus->begin(), cpus->end()), cpus->end());
      return true;
    }
    if (*p != ',') break;
    p++;
  }
  cpus->clear();
  *why = std::string("'") + text + "' is not a CPU list such as 0-3,8 (ids 0.." + std::to_string(kMaxCpuId) + ")";
  return false;
}

}  // namespace ember
