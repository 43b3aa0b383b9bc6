# inside.py PROBE_OUTPUT LOGDIR: for each line "BUILD load L PROBE ..." (probe.sh's PROBE line after a label and the
# load), what the matching -Xlog file in LOGDIR holds inside the first call: compilations of org.kvscope code (C1/C2)
# and GC pauses. The line's call0 start-tn picks the log whose time span holds it.
import sys,re,glob
logs={}
for f in glob.glob(sys.argv[2]+'/*.jit'):
    ts=[int(m.group(1)) for m in (re.match(r'\[(\d+)ns\]',l) for l in open(f)) if m]
    logs[f]=(ts[0],ts[-1])
for line in open(sys.argv[1]):
    m=re.search(r'^(\w+) load (\S+).*call0: start-tn=(\d+) ms=(\S+) alloc=(\d+)K',line)
    if not m: continue
    v,load,s,ms,al=m.group(1),m.group(2),int(m.group(3)),float(m.group(4)),m.group(5)
    e=s+int(ms*1e6)
    f=[f for f,(a,b) in logs.items() if a<s<b+10**9][0]
    ev=[]
    for l in open(f):
        mm=re.match(r'\[(\d+)ns\]\[\d+\]\s*(.*)',l)
        if mm and s<=int(mm.group(1))<=e:
            t=mm.group(2)
            if 'Pause' in t: ev.append('GC '+t.split()[-1])
            elif 'org.kvscope' in t and 'made not entrant' not in t:
                lvl=re.match(r'\d+\s+[%!sbn ]*?(\d)\s',t)  # compile id, flags, tier (4 = C2)
                name=[x for x in t.split() if 'org.kvscope' in x][0].split('.')[-1]
                ev.append('%s %s'%('C2' if lvl and lvl.group(1)=='4' else 'C1', name))
    print('%-4s load %-5s call0 %6.2f ms alloc %4sK  inside: %s'%(v,load,ms,al,'; '.join(ev) or '-'))
