#!/usr/bin/env bash
# Does it matter how the model file's pages are mapped (2 MiB PMD entries or 4 KiB)? (issue 17, thp20,
# docs/BENCHMARKS.md). Builds page-cache.c and the decode harness (native-bandwidth.sh), then:
#   1. for each way of reading the file back into the page cache (CACHE: "read" = read() as cat does, "fault" = mmap
#      faults, "huge" = mmap faults under MADV_HUGEPAGE, "small" = under MADV_RANDOM: 4 KiB folios, "asis": as it is), evicts it (posix_fadvise DONTNEED), reads it back, shows how
#      much a fresh process maps with 2 MiB entries;
#   2. then ROUNDS rounds of harness processes on that cache, one per MADV setting in turn (MODES, default
#      "none nohuge huge"), each TOKENS tokens of KERNELS, printing its token rate and its FilePmdMapped.
#   benchmarks/native/page-size-ab.sh TYPE FILE CACHES ROUNDS TOKENS [KERNEL...]
#   e.g. MODES="none nohuge" benchmarks/native/page-size-ab.sh f32 /tmp/kvscope-llamacpp/models/llama-3.2-1b-f32.gguf "read huge" 3 5 kvs read
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${TMPDIR:-/tmp}/kvscope-native-bandwidth"
mkdir -p "$out"
gcc -O2 -o "$out/page-cache" "$here/page-cache.c"
type=$1 file=$2 caches=$3 rounds=$4 tokens=$5
shift 5
[ $# -gt 0 ] && kernels=("$@") || kernels=(kvs read)
"$here/native-bandwidth.sh" "$type" "$file" 1 read >/dev/null   # builds the harness
for cache in $caches; do
  case $cache in
    read) "$out/page-cache" evict "$file"; "$out/page-cache" read "$file" ;;
    fault) "$out/page-cache" evict "$file"; "$out/page-cache" fault "$file" ;;
    huge) "$out/page-cache" evict "$file"; "$out/page-cache" fault "$file" huge ;;
    small) "$out/page-cache" evict "$file"; "$out/page-cache" fault "$file" small ;;
    asis) ;;
    *) echo "page-size-ab: CACHES are read, fault, huge, small or asis, not $cache" >&2; exit 2 ;;
  esac
  "$out/page-cache" show "$file" | tail -1
  for r in $(seq "$rounds"); do
    for mode in ${MODES:-none nohuge huge}; do
      m=$mode; [ "$m" = none ] && m=
      echo "cache $cache round $r MADV=$mode: $(MADV=$m "$out/decode-bandwidth" "$type" "$file" "$tokens" "${kernels[@]}" \
        | awk '/^(kvs|read|lib=)/ {printf "%s %s GB/s; ", $1, $5} /FilePmdMapped/ {printf "FilePmdMapped %.0f MiB", $2/1024}')"
    done
  done
done
