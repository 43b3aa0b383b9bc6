#!/usr/bin/env python3
"""Issue 17 (copy29): does kvscope's load-time copy of float weights into fresh anonymous memory bring on the VM's slow
memory state? Per model, TRIPLES triples of processes: kvscope (this build, weights copied), kvscope with
-Dkvscope.mapping.copy=false (the file's page-cache mapping read in place) and llama.cpp's llama-bench, with compare.py's
exact commands, the order rotated by one each triple (copy/nocopy/llama.cpp, nocopy/llama.cpp/copy, ...). Prints each
process's start time, load, prefill and decode tok/s, peak RSS and decode GB/s (decode tok/s x the file's bytes, about
what a token reads) with its state (slow below SLOW_GBS, 40 here: a token also does work beyond its weight reads);
the summary counts slow processes per engine and gives each triple's decode ratios.
  benchmarks/llamacpp/engine-triples.py [--triples 6] [--first 0] [--slow-gbs 40] MODEL.gguf ...
(--first N starts the rotation at N, so a series split over calls keeps rotating.)
  benchmarks/llamacpp/engine-triples.py --sum LOG...   counts the states of the processes in these logs (calls cut
  short by a timeout included), per engine and per position in the triple, and the exact two-sided binomial
  probability of a split at least as uneven between copy and nocopy (each slow process as likely in either)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import process_log  # noqa: E402

ENGINES = ["copy", "nocopy", "llama.cpp"]


def one(engine, model, binaries):
    if engine == "llama.cpp":
        pp, tg, rss, _, _ = compare.llama_bench(binaries, model, 256, 32, 256, 2, 3, "f16")
        return pp, tg, rss
    saved = os.environ.get("KVSCOPE_JAVA_OPTS")
    if engine == "nocopy":
        os.environ["KVSCOPE_JAVA_OPTS"] = ((saved or "") + " -Dkvscope.mapping.copy=false").strip()
    try:
        return compare.kvscope_bench(model, 256, 32, 2, 3, ["--cache-type", "f16"])
    finally:
        if saved is None:
            os.environ.pop("KVSCOPE_JAVA_OPTS", None)
        else:
            os.environ["KVSCOPE_JAVA_OPTS"] = saved


def summarize(logs):
    procs = process_log.read(logs, "triple")
    for p in procs:
        p["triple"], p["engine"] = p["index"], p["name"]
    for model in sorted({p["model"] for p in procs}):
        ps = [p for p in procs if p["model"] == model]
        print(model)
        for e in ENGINES:
            es = [p for p in ps if p["engine"] == e]
            print("  %-9s slow %d of %d; decode GB/s %s" % (e, sum(1 for p in es if p["state"] == "slow"), len(es),
                                                            " ".join("%.1f" % p["gbs"] for p in es)))
        for pos in range(3):
            at = [p for p in ps if (ENGINES.index(p["engine"]) - (p["triple"] - 1)) % 3 == pos]
            print("  position %d in its triple: slow %d of %d" % (pos + 1, sum(1 for p in at if p["state"] == "slow"),
                                                                 len(at)))
        sc = sum(1 for p in ps if p["engine"] == "copy" and p["state"] == "slow")
        sn = sum(1 for p in ps if p["engine"] == "nocopy" and p["state"] == "slow")
        print("  slow copy %d vs nocopy %d: two-sided binomial p = %.3f"
              % (sc, sn, process_log.binomial_two_sided(sc, sc + sn)))
        triples = {}
        for p in ps:
            triples.setdefault(p["triple"], {})[p["engine"]] = p["tg"]
        full = [t for t in triples.values() if len(t) == 3]
        for a, b in (("copy", "llama.cpp"), ("nocopy", "llama.cpp"), ("copy", "nocopy")):
            print("  decode %s / %s over %d whole triples: %s" % (a, b, len(full),
                                                                compare.spread([t[a] / t[b] for t in full])))


def main():
    a = process_log.series_arguments(__doc__, summarize, [("models", "+")], "--triples", 6)
    if a is None:
        return
    binaries = os.path.join(compare.SCRATCH, "bin")
    for model in a.models:
        size = os.path.getsize(model)
        print("%s, %.3f GB" % (os.path.basename(model), size / 1e9), flush=True)
        rows = []
        for t in range(a.first, a.first + a.triples):
            order = ENGINES[t % 3:] + ENGINES[:t % 3]
            got = {}
            for e in order:
                got[e] = process_log.measure("triple", t + 1, e, size, a.slow_gbs, lambda: one(e, model, binaries))
            rows.append(got)
        print("slow processes: " + ", ".join("%s %d of %d" % (e, sum(1 for r in rows if r[e][1] == "slow"), len(rows))
                                             for e in ENGINES))
        for e in ENGINES[:2]:
            ratios = [r[e][0] / r["llama.cpp"][0] for r in rows]
            print("decode %s / llama.cpp: %s" % (e, compare.spread(ratios)))
        print("decode copy / nocopy: %s" % compare.spread([r["copy"][0] / r["nocopy"][0] for r in rows]), flush=True)


if __name__ == "__main__":
    main()
