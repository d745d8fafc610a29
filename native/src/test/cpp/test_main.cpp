#include <cstring>

#include "test.h"

namespace ember_test {
std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}
int failures = 0;
}  // namespace ember_test

int main(int argc, char** argv) {
  int run = 0, failed = 0;
  for (auto& c : ember_test::registry()) {
    if (argc > 1 && std::strstr(c.name, argv[1]) == nullptr) continue;
    int before = ember_test::failures;
    c.fn();
    run++;
    bool ok = ember_test::failures == before;
    if (!ok) failed++;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", c.name);
  }
  std::printf("%d passed, %d failed\n", run - failed, failed);
  return failed == 0 && run > 0 ? 0 : 1;
}
