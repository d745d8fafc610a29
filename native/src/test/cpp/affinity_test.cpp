// Pinned CPU contexts: the CPU list parser, a pinned ThreadPool's members and caller read back with
// pthread_getaffinity_np / sched_getaffinity, and a "cpu:<list>" model whose creating thread and
// kernel threads run only on the listed CPUs.
#include <pthread.h>
#include <sched.h>

#include <mutex>
#include <string>
#include <vector>

#include "backend/cpu_list.h"
#include "core/thread_pool.h"
#include "ember.h"
#include "test.h"
#include "tiny_model.h"

using namespace ember_test;

namespace {

std::vector<int> cpus_of(const cpu_set_t& set) {
  std::vector<int> out;
  for (int c = 0; c < CPU_SETSIZE; c++) {
    if (CPU_ISSET(c, &set)) out.push_back(c);
  }
  return out;
}

std::vector<int> caller_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof set, &set);
  return cpus_of(set);
}

// Restores the calling thread's affinity when the test ends (pinning is per thread and sticks).
struct KeepCallerAffinity {
  cpu_set_t saved;
  KeepCallerAffinity() { sched_getaffinity(0, sizeof saved, &saved); }
  ~KeepCallerAffinity() { sched_setaffinity(0, sizeof saved, &saved); }
};

}  // namespace

TEST(cpu_list_parses_the_kernel_syntax) {
  std::vector<int> cpus;
  std::string why;
  CHECK(ember::parse_cpu_list("0-3,8", &cpus, &why));
  CHECK((cpus == std::vector<int>{0, 1, 2, 3, 8}));
  CHECK(ember::parse_cpu_list("5", &cpus, &why));
  CHECK((cpus == std::vector<int>{5}));
  CHECK(ember::parse_cpu_list("3,1,1-2", &cpus, &why));
  CHECK((cpus == std::vector<int>{1, 2, 3}));
  for (const char* bad : {"", "a", "1-", "-1", "3-1", "1,,2", "1,", "70000", "0 -1"}) {
    CHECK(!ember::parse_cpu_list(bad, &cpus, &why));
    CHECK(cpus.empty());
    CHECK(why.find("CPU list") != std::string::npos);
  }
}

TEST(pinned_pool_members_and_caller_run_only_on_their_cpu) {
  KeepCallerAffinity keep;
  std::vector<int> allowed = caller_cpus();
  CHECK(!allowed.empty());
  // Three members over the allowed CPUs (wrapping when there are fewer CPUs than members).
  ember::ThreadPool pool(3, allowed);
  CHECK(pool.pinned());
  CHECK(pool.pin_caller() == 0);
  std::mutex mu;
  std::vector<std::vector<int>> seen(3);
  std::vector<std::string> names(3);
  pool.run([&](int tid, int nth) {
    cpu_set_t set;
    CPU_ZERO(&set);
    pthread_getaffinity_np(pthread_self(), sizeof set, &set);
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    std::lock_guard<std::mutex> lock(mu);
    seen[tid] = cpus_of(set);
    names[tid] = name;
  });
  for (int t = 0; t < 3; t++) {
    int want = allowed[t % allowed.size()];
    CHECK((seen[t] == std::vector<int>{want}));
    if (t > 0) CHECK(names[t] == "ember-k" + std::to_string(want));
  }
  CHECK((caller_cpus() == std::vector<int>{allowed[0]}));
}

TEST(unpinned_pool_leaves_the_caller_alone) {
  KeepCallerAffinity keep;
  std::vector<int> before = caller_cpus();
  ember::ThreadPool pool(2);
  CHECK(!pool.pinned());
  CHECK(pool.pin_caller() == 0);
  CHECK(caller_cpus() == before);
}

TEST(model_on_a_cpu_list_pins_its_creating_thread) {
  KeepCallerAffinity keep;
  std::vector<int> allowed = caller_cpus();
  int last = allowed.back();
  std::string device = "cpu:" + std::to_string(last);
  ember_config c = tiny_config();
  ember_model* m = ember_model_new(&c, device.c_str(), 1, 8);
  CHECK(m != nullptr);
  CHECK(std::string(ember_model_device(m)) == "cpu");
  CHECK((caller_cpus() == std::vector<int>{last}));
  ember_model_free(m);
}

TEST(model_on_a_bad_cpu_list_fails_as_invalid) {
  KeepCallerAffinity keep;
  std::vector<int> before = caller_cpus();
  ember_config c = tiny_config();
  CHECK(ember_model_new(&c, "cpu:x", 1, 8) == nullptr);
  CHECK(ember_last_error_code() == EMBER_ERR_INVALID);
  CHECK(std::string(ember_last_error()).find("'cpu:x'") != std::string::npos);
  CHECK(ember_model_new(&c, "cpu:65000", 1, 8) == nullptr);
  CHECK(ember_last_error_code() == EMBER_ERR_INVALID);
  CHECK(std::string(ember_last_error()).find("CPU 65000") != std::string::npos);
  CHECK(caller_cpus() == before);
}
