#!/usr/bin/env bash
# Batch-1 GPU decode benchmark against the device's copy bandwidth (needs an NVIDIA GPU + driver).
# usage: scripts/cuda/bench-gpu.sh MODEL.gguf [decode-tokens]
# Build first: mvn -B -q -DskipTests install
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$root/app/target/classes:$root/app/target/lib/*" org.kvscope.backend.cuda.CudaBench "$@"
