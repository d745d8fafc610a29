// Error reporting inside the library: set the thread's last-error text and return code.
//
//   if (rows != expected) return fail(-2, "wq of layer %d has %lld rows, want %lld", l, rows, expected);
//
// Every extern "C" entry that can throw (allocation, thread creation) runs its body in a guard: the
// JVM calls the entries without an exception wrapper, so an exception that escaped would terminate
// the process.
//
//   extern "C" int ember_x(...) { return ember::guard_status("ember_x", [&] { ...; return 0; }); }
//   extern "C" ember_kv* ember_y(...) { return ember::guard_value("ember_y", (ember_kv*)nullptr, [&] { ... }); }
#pragma once

#include "ember.h"

namespace ember {

int fail(int code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Call only inside a catch block: records the exception being handled as the last error of `entry`
// and returns its code (EMBER_ERR_OUT_OF_MEMORY, EMBER_ERR_SYSTEM or EMBER_ERR_INTERNAL).
int fail_current_exception(const char* entry) noexcept;

// Runs body() (returning an int status) and returns its result, or the code of the exception it threw.
template <typename Body>
int guard_status(const char* entry, Body&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return fail_current_exception(entry);
  }
}

// Runs body() and returns its result, or on_error when it threw (the error recorded as above).
template <typename R, typename Body>
R guard_value(const char* entry, R on_error, Body&& body) noexcept {
  try {
    return body();
  } catch (...) {
    fail_current_exception(entry);
    return on_error;
  }
}

}  // namespace ember
