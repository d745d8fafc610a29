// Error reporting inside the library: set the thread's last-error text and return code.
//
//   if (rows != expected) return fail(-2, "wq of layer %d has %lld rows, want %lld", l, rows, expected);
#pragma once

namespace ember {

int fail(int code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace ember
