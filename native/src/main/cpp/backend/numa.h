// NUMA placement of a device context's memory without libnuma: mbind(2) and get_mempolicy(2) called
// through syscall(2). Linux only; elsewhere every call answers ENOSYS and memory stays where first
// touch puts it.
//
//   if (numa_node_exists(1)) err = bind_to_node(p, bytes, 1);   // 0, or an errno value: fall back
//   int mode, node; memory_policy_of(p, &mode, &node);          // MPOL_PREFERRED, 1
#pragma once

#include <cstdint>

namespace ember {

// The kernel's policy modes (linux/mempolicy.h), as get_mempolicy reports them.
constexpr int kMpolDefault = 0;
constexpr int kMpolPreferred = 1;
constexpr int kMpolBind = 2;
// Highest node id these calls take.
constexpr int kMaxNumaNode = 1023;

// Whether this machine has NUMA node `node` (/sys/devices/system/node/node<N>).
bool numa_node_exists(int node);

// Asks the kernel to place the whole pages inside [p, p + bytes) on `node` (MPOL_PREFERRED: on that
// node while it has free memory, elsewhere after that, never an OOM kill). Pages already touched keep
// their place. 0, or an errno value (ENOSYS off Linux, EPERM in a sandbox that forbids it, EINVAL for
// a node outside 0..kMaxNumaNode).
int bind_to_node(void* p, int64_t bytes, int node);

// The policy of the page holding p (MPOL_F_ADDR) in *mode, the first node of its node mask in *node
// (-1 when the mask is empty). 0, or an errno value.
int memory_policy_of(const void* p, int* mode, int* node);

// The node the page holding p is on now (it must have been touched). 0, or an errno value.
int node_of_page(const void* p, int* node);

}  // namespace ember
