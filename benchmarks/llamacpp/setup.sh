#!/usr/bin/env bash
# Fetches the pinned node-llama-cpp into a scratch folder outside the repository and builds
# llama.cpp's own llama-bench (and llama-completion, used for the greedy-token check) from
# the llama.cpp source that package bundles, linked against the prebuilt CPU libraries it ships
# (ggml picks the CPU variant for this processor at start, e.g. libggml-cpu-zen4.so).
# Idempotent: a second run reuses what is there. Prints the folder with the binaries.
#   benchmarks/llamacpp/setup.sh [SCRATCH]    (default $KVSCOPE_LLAMACPP_DIR or /tmp/kvscope-llamacpp)
set -euo pipefail
version=3.21.1
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
scratch="${1:-${KVSCOPE_LLAMACPP_DIR:-/tmp/kvscope-llamacpp}}"
mkdir -p "$scratch"
scratch="$(cd "$scratch" && pwd)"
case "$scratch/" in
  "$repo"/*) echo "setup.sh: the scratch folder $scratch is inside the repository; choose one outside it" >&2; exit 2 ;;
esac
for tool in npm git g++; do
  command -v "$tool" >/dev/null || { echo "setup.sh: '$tool' is needed and not installed" >&2; exit 2; }
done
cd "$scratch"
pkg=node_modules/node-llama-cpp
if [ ! -f "$pkg/package.json" ] || ! grep -q "\"version\": \"$version\"" "$pkg/package.json"; then
  echo "setup.sh: npm i -E node-llama-cpp@$version in $scratch" >&2
  [ -f package.json ] || echo '{"private": true}' > package.json
  # --ignore-scripts: the package's own postinstall would try to download or build a binding.
  npm i -E --ignore-scripts --no-audit --no-fund "node-llama-cpp@$version" >&2
fi
libs="$scratch/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
[ -d "$libs" ] || { echo "setup.sh: $libs is missing (only linux-x64 is supported)" >&2; exit 2; }
if [ ! -d llama.cpp/.git ]; then
  # The package carries llama.cpp's source as a git bundle of the release it was built from.
  git clone -q "$pkg/llama/gitRelease.bundle" llama.cpp
fi
src="$scratch/llama.cpp"
mkdir -p bin
for f in "$libs"/*.so; do ln -sf "$f" bin/; done   # ggml looks for its CPU variants beside the binary
inc=(-I"$src/include" -I"$src/ggml/include" -I"$src/common" -I"$src/vendor" -I"$src/tools/llama-bench")
link=(-Lbin -l:libllama.v0.4.0.so -l:libggml.v0.4.0.so -l:libggml-base.so -Wl,-rpath,'$ORIGIN' -pthread)
if [ ! -x bin/llama-bench ]; then
  echo "setup.sh: compiling llama-bench (about a minute)" >&2
  g++ -std=c++17 -O2 -DNDEBUG -o bin/llama-bench.tmp "$src/tools/llama-bench/llama-bench.cpp" \
      "$src/tools/llama-bench/main.cpp" "${inc[@]}" -l:libllama-common.so "${link[@]}"
  mv bin/llama-bench.tmp bin/llama-bench
fi
if [ ! -x bin/llama-completion ]; then
  echo "setup.sh: compiling llama-completion (about a minute)" >&2
  g++ -std=c++17 -O2 -DNDEBUG -o bin/llama-completion.tmp "$src/tools/completion/completion.cpp" \
      "$src/tools/completion/main.cpp" "${inc[@]}" -I"$src/tools/completion" -l:libllama-common.so "${link[@]}"
  mv bin/llama-completion.tmp bin/llama-completion
fi
{
  echo "node-llama-cpp $version, llama.cpp $(grep -o '"tag": "[^"]*"' "$pkg/llama/llama.cpp.info.json" | cut -d'"' -f4)" \
       "(bundle $(git -C "$src" rev-parse --short HEAD)), prebuilt CPU libraries from @node-llama-cpp/linux-x64"
} > bin/BUILD
echo "$scratch/bin"
