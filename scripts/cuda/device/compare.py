"""Compares `kvscope analyze` JSON from --device cpu and --device cuda, policy by policy.
usage: python3 compare.py DIR POLICY...   (reads DIR/POLICY.cpu.json and DIR/POLICY.cuda.json)
Pass: keptPositions and keptEntriesPerLayer identical, recall and perplexity (nll, perplexity,
fullKvPerplexity) within 1e-3 relative. Every other number's largest relative difference is printed too.
"""
import json
import math
import sys

REL = 1e-3
CHECKED = ("/recall/", "/perplexity/nll", "/perplexity/perplexity", "/perplexity/fullKvPerplexity")


def leaves(o, path=""):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from leaves(v, path + "/" + k)
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from leaves(v, path + "[" + str(i) + "]")
    else:
        yield path, o


def rel(a, b):
    if a == b:
        return 0.0
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return 0.0
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def compare(cpu, gpu):
    problems, worst_checked, worst_other = [], (0.0, ""), (0.0, "")
    for key in ("keptPositions", "keptEntriesPerLayer"):
        if cpu.get(key) != gpu.get(key):
            problems.append(key + " differ")
    a, b = dict(leaves(cpu)), dict(leaves(gpu))
    if a.keys() != b.keys():
        problems.append("fields differ: " + str(sorted(a.keys() ^ b.keys()))[:200])
    for p in sorted(a.keys() & b.keys()):
        x, y = a[p], b[p]
        if p.startswith("/keptPositions") or p.startswith("/model/file"):
            continue
        if isinstance(x, bool) or isinstance(x, str) or x is None:
            if x != y:
                problems.append(f"{p}: {x!r} vs {y!r}"[:200])
            continue
        d = rel(float(x), float(y))
        if any(p.startswith(c) for c in CHECKED):
            worst_checked = max(worst_checked, (d, p))
            if d > REL:
                problems.append(f"{p}: {x} vs {y} (rel {d:.2e})")
        else:
            worst_other = max(worst_other, (d, p))
    return problems, worst_checked, worst_other


def main():
    d, policies = sys.argv[1], sys.argv[2:]
    failed = 0
    for pol in policies:
        try:
            cpu = json.load(open(f"{d}/{pol}.cpu.json"))
            gpu = json.load(open(f"{d}/{pol}.cuda.json"))
        except (OSError, ValueError) as e:
            print(f"{pol:14s} MISSING {e}")
            failed += 1
            continue
        problems, wc, wo = compare(cpu, gpu)
        status = "PASS" if not problems else "FAIL"
        failed += bool(problems)
        print(f"{pol:14s} {status}  kept {'same' if cpu['keptPositions'] == gpu['keptPositions'] else 'DIFFER'}"
              f"  recall/ppl max rel {wc[0]:.1e} ({wc[1]})  other max rel {wo[0]:.1e} ({wo[1]})")
        for p in problems[:6]:
            print("    " + p)
    print(f"analyze parity: {len(policies) - failed}/{len(policies)} policies pass")


if __name__ == "__main__":
    main()
