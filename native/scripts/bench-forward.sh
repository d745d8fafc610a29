#!/usr/bin/env bash
# Builds the kernel library and the forward benchmark, then runs it.
#
#   native/scripts/bench-forward.sh 4 512 q8_0      # threads, context, weight dtype
#   EMBER_ISA=scalar native/scripts/bench-forward.sh
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -j2 lib
case "$(uname -m)" in
  x86_64) OUT=target/cpp/linux-x86_64 BASE=-march=x86-64 ;;
  aarch64) OUT=target/cpp/linux-arm64 BASE=-march=armv8-a ;;
  *) echo "unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
g++ -std=c++17 -O2 "$BASE" -Isrc/main/cpp src/bench/forward_bench.cpp "$OUT/libember_kernels.a" -pthread \
  -o "$OUT/forward_bench"
exec "$OUT/forward_bench" "$@"
