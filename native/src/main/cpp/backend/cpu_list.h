// Parses the kernel's CPU list syntax ("0-3,8,10-11"), as device strings carry it ("cpu:0-3").
//
//   std::vector<int> cpus; std::string why;
//   if (!parse_cpu_list("0-3,8", &cpus, &why)) fail(EMBER_ERR_INVALID, "%s", why.c_str());
#pragma once

#include <string>
#include <vector>

namespace ember {

// Highest CPU id accepted (a typo cannot ask for a huge affinity mask).
constexpr int kMaxCpuId = 65535;

// Fills cpus with the listed ids, ascending and without repeats; false with why set when the text
// is empty or not a list of ids and ascending ranges in 0..kMaxCpuId.
bool parse_cpu_list(const char* text, std::vector<int>* cpus, std::string* why);

}  // namespace ember
