#!/usr/bin/env bash
# Cross-builds the kernel library and C++ tests for aarch64 and runs them under qemu-user.
# qemu's "max" CPU has dotprod, fp16, BF16 and I8MM, so the tests exercise the neon, neon-dotprod and
# neon-mmla variants (they loop over every variant the CPU supports).
#
#   native/scripts/test-aarch64.sh        # as root in CI (installs the cross toolchain if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v aarch64-linux-gnu-g++ >/dev/null || need+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

OUT=target/cpp/linux-arm64
make -j"$(nproc)" ARCH=aarch64 CXX=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar OUT="$OUT" tests
qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu "$OUT/ember_kernel_tests" "$@"
