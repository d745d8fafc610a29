#!/usr/bin/env bash
# Builds the kernel library and the linear-layer benchmark, then runs it.
#
#   native/scripts/bench-linear.sh decode 1 2      # T=1 GB/s vs read bandwidth, T=8/T=1
#   native/scripts/bench-linear.sh batch 2         # GOP/s at T = 16, 64, 256
#   EMBER_ISA=avx2 native/scripts/bench-linear.sh  # another kernel variant
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -j2 lib
case "$(uname -m)" in
  x86_64) OUT=target/cpp/linux-x86_64 BASE=-march=x86-64 ;;
  aarch64) OUT=target/cpp/linux-arm64 BASE=-march=armv8-a ;;
  *) echo "unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
g++ -std=c++17 -O2 "$BASE" -Isrc/main/cpp src/bench/linear_bench.cpp "$OUT/libember_kernels.a" -pthread \
  -o "$OUT/linear_bench"
exec "$OUT/linear_bench" "$@"
