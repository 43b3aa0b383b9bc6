#!/usr/bin/env bash
# Builds kvscope's CUDA kernels into one fatbin that the Java side loads with cuModuleLoadData.
#
#   scripts/cuda/build-fatbin.sh            rebuild the committed resource (SASS for sm_75, sm_80,
#                                           sm_86, sm_89, sm_90 + PTX for compute_90) and its
#                                           source hash kvscope.fatbin.sha256
#   scripts/cuda/build-fatbin.sh --check D  compile for sm_75 only into directory D (a quick test that
#                                           the sources and this command line still compile)
#
# The hash is SHA-256 over the .cu/.cuh sources concatenated in name order (C locale); a unit test
# recomputes it so the committed binary cannot drift from the sources.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/inference-core/src/main/cuda"
res="$root/inference-core/src/main/resources/org/kvscope/backend/cuda"
nvcc_bin="${NVCC:-nvcc}"

mode=release
out_dir="$res"
if [ "${1:-}" = "--check" ]; then
  mode=check
  out_dir="${2:?--check needs an output directory}"
  mkdir -p "$out_dir"
fi

if [ "$mode" = release ]; then
  archs=(-gencode arch=compute_75,code=sm_75 -gencode arch=compute_80,code=sm_80
         -gencode arch=compute_86,code=sm_86 -gencode arch=compute_89,code=sm_89
         -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90)
else
  archs=(-gencode arch=compute_75,code=sm_75)
fi

# One translation unit that includes every kernel file, so a single module holds all kernels.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sources=$(cd "$src" && LC_ALL=C ls -1 -- *.cu *.cuh | LC_ALL=C sort)
for f in $sources; do
  case "$f" in *.cu) echo "#include \"$src/$f\"" >> "$work/kvscope_all.cu" ;; esac
done

"$nvcc_bin" -fatbin -O3 -std=c++17 -I"$src" "${archs[@]}" -o "$out_dir/kvscope.fatbin" "$work/kvscope_all.cu"

if [ "$mode" = release ]; then
  (cd "$src" && cat $sources) | sha256sum | cut -d' ' -f1 > "$res/kvscope.fatbin.sha256"
  echo "wrote $res/kvscope.fatbin ($(stat -c %s "$res/kvscope.fatbin") bytes), source hash $(cat "$res/kvscope.fatbin.sha256")"
else
  echo "check build ok: $out_dir/kvscope.fatbin"
fi
