#!/usr/bin/env bash
# Cold-process start-up benchmark of the launcher (issue 16 targets): each command run RUNS times
# through ./kvscope with the ahead-of-time cache and without it (KVSCOPE_AOT=0), interleaved.
# Prints min and median wall seconds and CPU seconds (user+sys) per command and mode.
# usage: [POLICIES="snapkv h2o"] [MODES=aot] scripts/startup-bench.sh [RUNS] [MODEL]
#   MODEL defaults to ../shared/models/stories260K.gguf; POLICIES to every built-in policy (the
#   analyze target holds for any); MODES to "aot plain".
# Run ./kvscope once first (it builds) and wait for app/target/kvscope.aot to appear.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-5}"
model="${2:-$root/../shared/models/stories260K.gguf}"
text="$(mktemp)"
trap 'rm -f "$text" "$text.t"' EXIT
cat "$root"/sample-prompts/src/main/resources/org/kvscope/prompts/perplexity/story-*.txt > "$text"
policies="${POLICIES:-fullkv streamingllm h2o snapkv pyramidkv pyramidinfer tova ada-snapkv ada-pyramidkv cake knorm keydiff kvzip duo-attention}"
modes="${MODES:-aot plain}"
commands=("help" "generate --model $model --prompt Once -n 40")
for p in $policies; do
  commands+=("analyze --model $model --text-file $text --max-tokens 700 --policy $p --quiet")
done
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %.2f median %.2f", a[1], a[int((NR+1)/2)]}'; }
for c in "${commands[@]}"; do
  : > "$text.t"
  for ((i = 0; i < runs; i++)); do
    for mode in $modes; do
      aot=1; [ "$mode" = plain ] && aot=0
      # shellcheck disable=SC2086
      KVSCOPE_AOT=$aot /usr/bin/time -f "$mode %e %U %S" -o "$text.t" -a "$root/kvscope" $c >/dev/null 2>&1
    done
  done
  for mode in $modes; do
    wall="$(awk -v m=$mode '$1==m {print $2}' "$text.t" | stats)"
    cpu="$(awk -v m=$mode '$1==m {print $3+$4}' "$text.t" | stats)"
    printf '%-6s wall %s | cpu %s | %s\n' "$mode" "$wall" "$cpu" "${c/$root\/..\//../}"
  done
done
