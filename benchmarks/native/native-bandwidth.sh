#!/usr/bin/env bash
# Where a 1B float decode token's bandwidth goes (decode-bandwidth.c): builds libkvscope from the working tree and the
# harness into a scratch folder (outside the repository), then runs it.
#   benchmarks/native/native-bandwidth.sh f32|f16|bf16 anon|thp|FILE.gguf TOKENS KERNEL...
#   e.g. benchmarks/native/native-bandwidth.sh f16 /tmp/kvscope-llamacpp/models/llama-3.2-1b-f16.gguf 5 read kvs r1 r4
set -euo pipefail
harness="$("$(dirname "$0")/build-bandwidth.sh" "${TMPDIR:-/tmp}/kvscope-native-bandwidth")"
exec "$harness" "$@"
