# window.py LOG START END [BEFORE_MS]: the lines of a probe.sh log (-Xlog with tn decorations) from START - BEFORE_MS to END (nanoTime)
import sys,re
log=sys.argv[1]; start=int(sys.argv[2]); end=int(sys.argv[3]); pre=int(sys.argv[4]) if len(sys.argv)>4 else 0
for line in open(log):
    m=re.match(r'\[(\d+)ns\]',line)
    if not m: continue
    t=int(m.group(1))
    if start-pre*1000000<=t<=end:
        print("%+8.2f ms"%((t-start)/1e6), line.rstrip()[len(m.group(0)):][:200])
