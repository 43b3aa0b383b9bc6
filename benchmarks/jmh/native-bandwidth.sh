#!/usr/bin/env bash
# What the machine's memory allows without the JVM (docs/BENCHMARKS.md): compiles
# src/main/c/bandwidth.c with gcc (AVX-512) and runs it: a plain read, a memcpy copy and a
# non-temporal copy of 1 GiB buffers, and with FILE a read of that file memory-mapped; best of 7.
# usage: benchmarks/jmh/native-bandwidth.sh THREADS [FILE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$here/target"
gcc -O2 -mavx512f -pthread "$here/src/main/c/bandwidth.c" -o "$here/target/bandwidth"
exec "$here/target/bandwidth" "$@"
