#!/usr/bin/env bash
# Issue 17: does the guest's idle loop decide where the host runs the two vCPUs (one CCD = the slow memory state)?
# Runs touch-watch.c's `none` action ROUNDS times in each of three modes, alternating: `halt` (the guest's default idle
# states: an idle vCPU halts), `spin` (SPIN=1: the harness's threads spin between rounds, no vCPU idles) and `poll`
# (the cpuidle state1 "haltpoll" disabled on every CPU: an idle vCPU polls in the guest kernel instead of halting).
# `poll` needs root and changes a machine-wide setting for its processes only: it is restored (0) after each and on exit.
# Count with touch-watch.py LOG (rounds fast/slow by mode, and by the threads' ping).
#   benchmarks/native/idle-states.sh ROUNDS > LOG   (WATCH_S, AT, AFTER_S as touch-watch.c says; defaults 10 / 9 / 0)
set -u
out="${TMPDIR:-/tmp}/kvscope-touch-watch"
mkdir -p "$out"
gcc -O2 -pthread -o "$out/touch-watch" "$(dirname "$0")/touch-watch.c"
halt_state() { for c in /sys/devices/system/cpu/cpu*/cpuidle/state1/disable; do echo "$1" > "$c"; done; }
trap 'halt_state 0' EXIT
for r in $(seq 1 "$1"); do
  for mode in halt spin poll; do
    spin=0
    [ "$mode" = spin ] && spin=1
    if [ "$mode" = poll ]; then halt_state 1; fi
    echo "== round $r process 1 action $mode, $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
    WATCH_S="${WATCH_S:-10}" AT="${AT:-9}" AFTER_S="${AFTER_S:-0}" SPIN=$spin "$out/touch-watch" none
    halt_state 0
  done
done
