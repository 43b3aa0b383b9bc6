#!/usr/bin/env python3
"""Issue 17 (trans32): how often each vCPU went idle (the guest's cpuidle entries: with the haltpoll driver each one a
halt the host must wake), sampled beside a benchmark for ping_timing.py --idle.

  benchmarks/llamacpp/idle_watch.py [PERIOD_S] > LOG      (default 1.0; runs until SIGTERM / SIGINT)

A line a sample: UTC time (ms), then per CPU "cpuN ENTRIES IDLE_US" summed over its cpuidle states since boot (reads
/sys/devices/system/cpu/cpu*/cpuidle/state*/{usage,time}; changes nothing). Python 3 standard library only.
"""
import datetime
import glob
import signal
import sys
import time


def read():
    out = []
    for cpu in sorted(glob.glob("/sys/devices/system/cpu/cpu[0-9]*"), key=lambda p: int(p.rsplit("cpu", 1)[1])):
        usage = idle = 0
        for state in glob.glob(cpu + "/cpuidle/state*"):
            usage += int(open(state + "/usage").read())
            idle += int(open(state + "/time").read())
        out.append("%s %d %d" % (cpu.rsplit("/", 1)[1], usage, idle))
    return " ".join(out)


def main():
    period = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    if not glob.glob("/sys/devices/system/cpu/cpu0/cpuidle/state*"):
        sys.exit("idle_watch.py: no cpuidle states under /sys/devices/system/cpu/cpu0")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("# idle_watch %s: every %.3f s, per CPU cpuidle entries and idle us since boot" % (
        datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")[:23], period), flush=True)
    next_at = time.monotonic()
    try:
        while True:
            now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")[:23]
            print("%s idle %s" % (now, read()), flush=True)
            next_at += period
            time.sleep(max(0.0, next_at - time.monotonic()))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
