#!/usr/bin/env python3
"""When a process's resident memory grows (issue 17, rss22).

    benchmarks/llamacpp/rss_timeline.py COMMAND...

Runs COMMAND and samples its first java descendant's /proc/PID/status every 20 ms: VmRSS, RssAnon (heap, malloc
arenas of the JIT compilers, code cache, thread stacks) and RssFile (the mapped weights, libjvm, the CDS archive).
Prints a sample every 0.5 s, then the samples at the peaks of VmRSS, RssAnon and RssFile and the command's output (the
end of it): whether the anonymous memory peaks before or after the weights are resident. Python 3 standard library.
"""
import subprocess
import sys
import time

from rss_breakdown import descendants  # same folder: the process tree walk


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: rss_timeline.py COMMAND...")
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    start, samples, java = time.time(), [], None
    while proc.poll() is None:
        for pid in descendants(proc.pid) if java is None else []:
            try:
                with open("/proc/%d/comm" % pid) as f:
                    if f.read().strip() == "java":
                        java = pid
            except OSError:
                pass
        if java is not None:
            try:
                with open("/proc/%d/status" % java) as f:
                    status = {l.split(":")[0]: int(l.split()[1]) / 1024 for l in f
                              if l.startswith(("VmRSS", "RssAnon", "RssFile", "VmHWM"))}
                samples.append((time.time() - start, status["VmRSS"], status["RssAnon"], status["RssFile"],
                                status["VmHWM"]))
            except (OSError, KeyError):
                pass
        time.sleep(0.02)
    output = proc.stdout.read()
    if not samples:
        sys.exit("no java process sampled:\n" + output[-2000:])
    last = -1.0
    for s in samples:
        if s[0] - last >= 0.5:
            print("t %.2f rss %.1f anon %.1f file %.1f hwm %.1f" % s)
            last = s[0]
    for what, i in (("rss", 1), ("anon", 2), ("file", 3)):
        s = max(samples, key=lambda x: x[i])
        print("peak %s at t %.2f: rss %.1f anon %.1f file %.1f (MiB)" % ((what,) + s[:4]))
    print(output[-12000:])


if __name__ == "__main__":
    main()
