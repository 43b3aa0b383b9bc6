#!/usr/bin/env python3
"""kvscope against llama.cpp's own llama-bench, process by process, on the same GGUF files.

For every model: PAIRS pairs of runs, each pair one `kvscope bench` process then one `llama-bench`
process (A B A B ...), same thread count; per pair the ratio kvscope / llama.cpp of decode tokens/s
(tokens generated after a DEPTH-token prompt, llama-bench's `tg N @ dDEPTH`) and of prefill
tokens/s (a PROMPT-token prompt from an empty cache, `pp PROMPT`); the median of the per-pair
ratios with min and max, and each engine's peak resident memory (GNU time's maximum RSS).

Before timing anything it checks interoperability: greedy tokens on stories260K (F32) are the
same text from both engines, and llama.cpp loads every model file given (kvscope's synthetic GGUF
writer). Either failing stops the run.

  benchmarks/llamacpp/compare.py [--pairs 5] [--threads 2] [--prompt 256] [--decode 32]
        [--depth D] [--cache-type f16] [--synth SHAPE:TYPE,...] [--kvscope-args "..."] [--kvscope-warmup N] [--baseline DIR]
        [--isa avx2] [--first kvscope|llama|alternate] [--times] [MODEL.gguf ...]

--depth D (e.g. 2048, 8192) measures decode after a D-token prompt and skips prefill; without it
the decode depth is --prompt. --cache-type T (f32, f16, q8_0, q4_0; default f16, llama-bench's
own default) is the KV cache type of both engines: `--cache-type T` for kvscope, `-ctk T -ctv T`
for llama-bench (flash attention left at its default, auto). --synth writes missing synthetic files with `kvscope synth` into
the scratch folder. --baseline DIR adds a third process to every pair, another kvscope build (DIR holds its
`kvscope` launcher and app/target, e.g. the jars of main copied there), for before/after ratios under the same load. The llama.cpp build comes from setup.sh (node-llama-cpp 3.21.1, pinned).
--isa avx2 holds both engines to what an AVX2 CPU runs (an "AVX2 day" on an AVX-512 host): kvscope with
`-XX:UseAVX=2` (the Vector API's preferred species becomes 256 bits) and `-Dkvscope.native.isa=avx2` (its native
library capped), llama.cpp from a folder beside setup.sh's with only ggml's haswell CPU variant (ggml loads the best
libggml-cpu-*.so in the binary's own folder). Both choices are checked on every run: kvscope's bench header must name
256-bit vectors and native AVX2, llama.cpp's log must name libggml-cpu-haswell.so.
--first alternate runs llama.cpp first in every second pair (kvscope, llama.cpp, then llama.cpp, kvscope, ...;
with --baseline the three in reverse order), so that a drift with time or a state the host enters between processes
falls on both engines alike (on the Zen 4 host the memory's speed depends on where the host runs the two vCPUs,
docs/BENCHMARKS.md copy29); the default, kvscope, runs it first in every pair as the earlier tables did.
--times prints a line per timed process as it ends (process_log.py's: pair, engine, start and end UTC time to the ms,
decode GB/s = tok/s x file bytes and its state, slow below 40 GB/s), to join with ping-watch's log (ping_join.py).
Python 3 standard library only.
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import shutil
import tempfile

import process_log

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SCRATCH = os.environ.get("KVSCOPE_LLAMACPP_DIR", "/tmp/kvscope-llamacpp")
STORIES = os.path.join(REPO, "..", "shared", "models", "stories260K.gguf")
GREEDY_PROMPTS = ["Once upon a time", "Tom and his dog went to the park"]
GREEDY_TOKENS = 60
# --isa avx2: the JVM's vectors at 256 bits and the native library capped at AVX2 (NativeKernels).
AVX2_JAVA_OPTS = "-XX:UseAVX=2 -Dkvscope.native.isa=avx2"
# ggml's libraries that are not CPU variants: the haswell folder links these and one variant only.
GGML_BASE = ["libggml-base.so", "libggml.v0.4.0.so", "libllama-common.so", "libllama.v0.4.0.so"]
ISA = {"native": None, "avx2": "haswell"}
SLOW_GBS = 40.0  # --times: decode below this read rate is the slow memory state (pair_states.py's default)
ENGINE_NAMES = {"kvscope": "kvscope", "llama": "llama.cpp", "baseline": "baseline"}


def fail(message):
    print("compare.py: " + message, file=sys.stderr)
    sys.exit(1)


def run(cmd, env=None, timeout=3600):
    """Runs cmd under GNU time, stdin closed, in the binary's own folder (ggml also looks for its CPU variants in the
    working directory); returns (stdout, stderr, peak RSS in KiB)."""
    print("  $ " + " ".join(cmd), file=sys.stderr, flush=True)
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as rss:
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd, capture_output=True,
                              stdin=subprocess.DEVNULL, text=True, env=env, timeout=timeout,
                              cwd=os.path.dirname(cmd[0]))
        if proc.returncode != 0:
            fail("%s exited with %d:\n%s" % (" ".join(cmd), proc.returncode, (proc.stderr or proc.stdout)[-2000:]))
        lines = [l for l in rss.read().split() if l.isdigit()]
        return proc.stdout, proc.stderr, int(lines[-1]) if lines else 0


JAVA_OPTS = []  # more JVM options for every kvscope process (--isa avx2)


def kvscope_env(threads):
    env = dict(os.environ)
    env["KVSCOPE_JAVA_OPTS"] = " ".join([env.get("KVSCOPE_JAVA_OPTS", "")] + JAVA_OPTS + ["-Dkvscope.threads=%d" % threads]).strip()
    env["KVSCOPE_AOT"] = "0"  # no background cache training while timing; start-up is not measured here
    return env


def kvscope(args, threads, root=REPO):
    return run([os.path.join(root, "kvscope")] + args, env=kvscope_env(threads))


def kvscope_bench(model, prompt, decode, threads, repeat, extra, root=REPO, warmup=1, avx2=False):
    out, _, rss = kvscope(["bench", "--model", model, "--prompt-tokens", str(prompt), "--decode-tokens", str(decode),
                           "--repeat", str(repeat), "--warmup", str(warmup), "--bandwidth-mib", "0", "--quiet"] + extra,
                          threads, root)
    if avx2 and ("kernels use 256-bit vectors" not in out or "kernels: native AVX2 " not in out):
        fail("--isa avx2: kvscope bench did not run 256-bit vectors with the native library at AVX2:\n" + out[:1500])
    row = next((l for l in out.splitlines() if l.startswith("| median |")), None)
    if row is None:
        fail("kvscope bench printed no median row:\n" + out)
    cells = [c.strip() for c in row.strip("|").split("|")]
    return float(cells[3]), float(cells[4]), rss  # prefill tok/s, decode tok/s


def llama_bench(binaries, model, prompt, decode, depth, threads, repeat, cache_type):
    cmd = [os.path.join(binaries, "llama-bench"), "-m", model, "-t", str(threads), "-r", str(repeat), "-o", "jsonl",
           "-ctk", cache_type, "-ctv", cache_type]
    if prompt:
        cmd += ["-p", str(prompt), "-n", str(decode), "-d", "0,%d" % depth]
    else:
        cmd += ["-p", "0", "-n", str(decode), "-d", str(depth)]
    out, _, rss = run(cmd)
    tests = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    pp = next((t["avg_ts"] for t in tests if t["n_prompt"] == prompt and t["n_gen"] == 0 and t["n_depth"] == 0), None)
    tg = next((t["avg_ts"] for t in tests if t["n_gen"] == decode and t["n_prompt"] == 0 and t["n_depth"] == depth), None)
    if tg is None or (prompt and pp is None):
        fail("llama-bench output lacks the expected tests:\n" + out)
    return pp, tg, rss, tests[0]["build_commit"], tests[0]["model_type"]


def trained_context(model):
    """The file's <arch>.context_length from its GGUF header (None when absent)."""
    import struct
    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
    with open(model, "rb") as f:
        def read(fmt):
            return struct.unpack("<" + fmt, f.read(struct.calcsize("<" + fmt)))[0]

        def value(vtype):
            if vtype == 8:
                return f.read(read("Q")).decode("utf-8", "replace")
            if vtype == 9:
                itype, count = read("I"), read("Q")
                if itype in scalar:
                    f.seek(count * struct.calcsize("<" + scalar[itype]), 1)
                else:
                    for _ in range(count):
                        value(itype)
                return None
            return read(scalar[vtype])

        if f.read(4) != b"GGUF":
            fail("%s is not a GGUF file" % model)
        read("I")
        read("Q")
        for _ in range(read("Q")):
            key = f.read(read("Q")).decode("utf-8", "replace")
            v = value(read("I"))
            if key.endswith(".context_length"):
                return v
    return None


def decode_depth(model, depth, decode):
    """depth, lowered so that depth + decode fits the file's trained context (kvscope refuses more)."""
    ctx = trained_context(model)
    if ctx is not None and depth + decode > ctx:
        print("%s: its trained context is %d tokens, so decode is measured at depth %d instead of %d (both engines)"
              % (os.path.basename(model), ctx, ctx - decode, depth))
        return ctx - decode
    return depth


def llama_completion(binaries, model, prompt, tokens, threads):
    """Greedy completion (temperature 0) without the chat loop; prints the prompt and what follows."""
    return [os.path.join(binaries, "llama-completion"), "-m", model, "-p", prompt, "-n", str(tokens), "--temp", "0",
            "-t", str(threads), "-no-cnv", "--no-warmup"]


def greedy_check(binaries, threads):
    if not os.path.isfile(STORIES):
        fail("%s is missing: the greedy-token check needs stories260K (../shared/models)" % STORIES)
    for prompt in GREEDY_PROMPTS:
        ours, _, _ = kvscope(["generate", "--model", STORIES, "--prompt", prompt, "-n", str(GREEDY_TOKENS)], threads)
        theirs, _, _ = run(llama_completion(binaries, STORIES, prompt, GREEDY_TOKENS, threads))
        if ours.strip() != theirs.strip():
            fail("greedy tokens differ on stories260K for %r:\n  kvscope:   %r\n  llama.cpp: %r" % (prompt, ours, theirs))
    print("greedy check: kvscope and llama.cpp generate the same %d tokens on stories260K for %d prompts"
          % (GREEDY_TOKENS, len(GREEDY_PROMPTS)))


def loaded_variant(binaries, threads):
    """The CPU variant llama-bench loads, from its verbose log (one short run on stories260K, not timed), and the
    features ggml reports for it (llama-completion's system_info)."""
    _, log, _ = run([os.path.join(binaries, "llama-bench"), "-m", STORIES, "-p", "8", "-n", "0", "-r", "1", "-t",
                     str(threads), "-v"])
    found = re.search(r"loaded CPU backend from (\S+)", log)
    _, info, _ = run(llama_completion(binaries, STORIES, "Hello", 1, threads))
    features = re.search(r"CPU : ([^\n]*?) \| LLAMAFILE", info)
    return (found.group(1) if found else "(no load_backend line)"), (features.group(1) if features else "?")


def variant_folder(binaries, variant):
    """A folder beside BINARIES with its two programs (copies: ggml looks beside the program's real path), the
    non-variant ggml/llama libraries and libggml-cpu-VARIANT.so only, so that ggml can load no other variant."""
    folder = os.path.join(os.path.dirname(binaries), "bin-" + variant)
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.startswith("libggml-cpu-") and name != "libggml-cpu-%s.so" % variant:
            os.remove(os.path.join(folder, name))
    for name in GGML_BASE + ["libggml-cpu-%s.so" % variant]:
        source = os.path.realpath(os.path.join(binaries, name))
        if not os.path.isfile(source):
            fail("%s is missing: setup.sh's folder has no %s" % (source, name))
        link = os.path.join(folder, name)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(source, link)
    for name in ["llama-bench", "llama-completion", "BUILD"]:
        source, copy = os.path.join(binaries, name), os.path.join(folder, name)
        if not os.path.isfile(copy) or os.path.getmtime(copy) < os.path.getmtime(source):
            shutil.copy2(source, copy)
    return folder


def synthesize(specs, threads):
    paths = []
    os.makedirs(os.path.join(SCRATCH, "models"), exist_ok=True)
    for spec in specs:
        shape, _, gtype = spec.partition(":")
        if not gtype:
            fail("--synth takes SHAPE:TYPE items, e.g. smollm2-135m:q8_0; got %r" % spec)
        path = os.path.join(SCRATCH, "models", "%s-%s.gguf" % (shape, gtype))
        if not os.path.isfile(path):
            kvscope(["synth", "--shape", shape, "--type", gtype, "--out", path, "--quiet"], threads)
        paths.append(path)
    return paths


def cpu_line():
    """The processor as the logs name it: model name, family and model numbers (AMD family 25 is Zen 3/4,
    26 is Zen 5), cores online and the widest vector ISA."""
    first = open("/proc/cpuinfo").read().split("\n\n")[0]
    info = {k.strip(): v.strip() for k, _, v in (l.partition(":") for l in first.splitlines())}
    flags = " " + info.get("flags", "") + " "
    isa = "AVX-512" if " avx512f " in flags else "AVX2" if " avx2 " in flags else "no AVX2"
    if " avx512_bf16 " in flags:
        isa += " with BF16"
    return "%s (family %s model %s), %d cores online, %s" % (
        info.get("model name", "?"), info.get("cpu family", "?"), info.get("model", "?"), os.cpu_count(), isa)


def spread(values):
    return "%.2f (%.2f–%.2f)" % (statistics.median(values), min(values), max(values))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="*")
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--prompt", type=int, default=256)
    p.add_argument("--decode", type=int, default=32)
    p.add_argument("--depth", type=int, default=0, help="decode after this many prompt tokens; no prefill column")
    p.add_argument("--repeat", type=int, default=3, help="runs inside each process (both engines)")
    p.add_argument("--synth", default="", help="SHAPE:TYPE,... synthetic files to write (if missing) and measure")
    p.add_argument("--cache-type", default="f16", choices=["f32", "f16", "q8_0", "q4_0"],
                   help="KV cache type of both engines (default f16, llama-bench's default)")
    p.add_argument("--kvscope-args", default="", help="extra arguments for kvscope bench")
    p.add_argument("--kvscope-warmup", type=int, default=1,
                   help="kvscope bench's warm-up runs per process (default 1; its JIT is still compiling the prefill "
                        "for several runs after the first, docs/BENCHMARKS.md q4p17)")
    p.add_argument("--baseline", default="", help="another kvscope build (a folder with its kvscope launcher and "
                   "app/target) measured in every pair too, after this one: before/after a change")
    p.add_argument("--isa", default="native", choices=sorted(ISA),
                   help="native: each engine's best for this CPU; avx2: both held to AVX2 (kvscope -XX:UseAVX=2 "
                        "-Dkvscope.native.isa=avx2, llama.cpp's haswell variant alone)")
    p.add_argument("--first", default="kvscope", choices=["kvscope", "llama", "alternate"],
                   help="which engine runs first in each pair (alternate: kvscope in odd pairs, llama.cpp in even)")
    p.add_argument("--times", action="store_true", help="a line per process: start and end UTC time (ms), engine, "
                   "decode GB/s and state (for ping_join.py)")
    a = p.parse_args()
    if "--cache-type" in a.kvscope_args.split():
        fail("give the cache type with compare.py's own --cache-type (it sets both engines), not in --kvscope-args")
    if a.pairs < 1 or a.threads < 1 or a.decode < 1 or a.prompt < 1 or a.depth < 0 or a.repeat < 1:
        fail("--pairs, --threads, --prompt, --decode and --repeat must be at least 1, --depth at least 0")
    if a.kvscope_warmup < 0:
        fail("--kvscope-warmup must be at least 0")
    if "--warmup" in a.kvscope_args.split():
        fail("give kvscope's warm-up runs with compare.py's --kvscope-warmup, not in --kvscope-args")
    binaries = subprocess.run([os.path.join(HERE, "setup.sh"), SCRATCH], capture_output=True, text=True)
    if binaries.returncode != 0:
        fail("setup.sh failed:\n" + binaries.stderr[-2000:])
    binaries = binaries.stdout.strip().splitlines()[-1]
    avx2 = a.isa == "avx2"
    if avx2:
        binaries = variant_folder(binaries, ISA[a.isa])
        JAVA_OPTS.extend(AVX2_JAVA_OPTS.split())
    models = [os.path.abspath(m) for m in a.models] + synthesize([s for s in a.synth.split(",") if s], a.threads)
    if not models:
        fail("no model: give MODEL.gguf files or --synth SHAPE:TYPE,...")
    for m in models:
        if not os.path.isfile(m):
            fail("%s is not a file" % m)
    extra = ["--cache-type", a.cache_type] + a.kvscope_args.split()
    baseline = os.path.abspath(a.baseline) if a.baseline else None
    if baseline and not os.access(os.path.join(baseline, "kvscope"), os.X_OK):
        fail("--baseline %s has no kvscope launcher; give a folder holding one and its app/target" % a.baseline)
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print("date: %s UTC; CPU: %s; load average %s" % (
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"), cpu_line(),
        open("/proc/loadavg").read().split()[0]))
    print("kvscope %s; %s" % (commit, open(os.path.join(binaries, "BUILD")).read().strip()))
    if baseline:
        print("baseline: the kvscope build in %s (%s)" % (baseline, ", ".join(
            sorted(os.path.basename(j) for j in os.listdir(os.path.join(baseline, "app", "target")) if j.endswith(".jar")))))
    print("command: benchmarks/llamacpp/compare.py " + " ".join(sys.argv[1:]))
    greedy_check(binaries, a.threads)
    variant, features = loaded_variant(binaries, a.threads)
    print("isa: %s; llama.cpp loaded %s (%s)%s" % (a.isa, variant, features,
                                                  "; kvscope with " + AVX2_JAVA_OPTS if avx2 else ""))
    if ISA[a.isa] and not variant.endswith("libggml-cpu-%s.so" % ISA[a.isa]):
        fail("--isa %s: llama.cpp loaded %s, not libggml-cpu-%s.so" % (a.isa, variant, ISA[a.isa]))
    for m in models:  # llama.cpp loads kvscope's files (the GGUF writer's interoperability)
        run(llama_completion(binaries, m, "Hello", 1, a.threads))
    print("load check: llama.cpp loads and runs all %d model files" % len(models))
    prompt = 0 if a.depth else a.prompt
    depths = {m: decode_depth(m, a.depth, a.decode) if a.depth else a.prompt for m in models}
    shown = sorted(set(depths.values()))
    header = "| model | decode @ d%s, kvscope ÷ llama.cpp | decode tok/s kvscope / llama.cpp |" % "/".join(map(str, shown))
    if prompt:
        header += " prefill %d, kvscope ÷ llama.cpp | prefill tok/s kvscope / llama.cpp |" % prompt
    header += " peak RSS MiB kvscope / llama.cpp |"
    if baseline:
        header += " baseline decode ÷ llama.cpp | kvscope ÷ baseline decode | baseline decode tok/s, peak RSS MiB |"
        if prompt:
            header += " kvscope ÷ baseline prefill | baseline prefill tok/s |"
    rows = []
    for model in models:
        dec, pre, ours, theirs, rss_ours, rss_theirs = [], [], [], [], [], []
        base, base_dec, vs_base, vs_base_pre = [], [], [], []
        build = mtype = ""
        depth = depths[model]
        if a.times:
            print("%s, %.3f GB" % (os.path.basename(model), os.path.getsize(model) / 1e9), flush=True)
        for pair in range(a.pairs):
            runs = {"kvscope": lambda: kvscope_bench(model, depth, a.decode, a.threads, a.repeat, extra,
                                                     warmup=a.kvscope_warmup, avx2=avx2),
                    "llama": lambda: llama_bench(binaries, model, prompt, a.decode, depth, a.threads, a.repeat,
                                                 a.cache_type)}
            if baseline:
                runs["baseline"] = lambda: kvscope_bench(model, depth, a.decode, a.threads, a.repeat, extra, baseline,
                                                         a.kvscope_warmup, avx2)
            got = {name: timed(pair + 1, name, model, runs[name]) if a.times else runs[name]()
                   for name in pair_order(a.first, pair, bool(baseline))}
            o, t = got["kvscope"], got["llama"]
            if baseline:
                base.append(got["baseline"])
            build, mtype = t[3], t[4]
            dec.append(o[1] / t[1])
            if prompt:
                pre.append(o[0] / t[0])
            ours.append(o)
            theirs.append(t)
            rss_ours.append(o[2] / 1024)
            rss_theirs.append(t[2] / 1024)
            if baseline:
                base_dec.append(base[-1][1] / t[1])
                vs_base.append(o[1] / base[-1][1])
                if prompt:
                    vs_base_pre.append(o[0] / base[-1][0])
            print("  %s pair %d (%s first): decode %.2f / %.2f tok/s%s%s%s" % (
                  os.path.basename(model), pair + 1, pair_order(a.first, pair, False)[0], o[1], t[1],
                  "; prefill %.1f / %.1f tok/s" % (o[0], t[0]) if prompt else "",
                  "; baseline decode %.2f tok/s" % base[-1][1] if baseline else "",
                  "; baseline prefill %.1f tok/s" % base[-1][0] if baseline and prompt else ""), flush=True)
        row = "| %s (llama.cpp: %s) | %s | %.1f / %.1f |" % (
            os.path.basename(model), mtype, spread(dec), statistics.median(x[1] for x in ours),
            statistics.median(x[1] for x in theirs))
        if prompt:
            row += " %s | %.1f / %.1f |" % (spread(pre), statistics.median(x[0] for x in ours),
                                           statistics.median(x[0] for x in theirs))
        row += " %.0f / %.0f |" % (statistics.median(rss_ours), statistics.median(rss_theirs))
        if baseline:
            row += " %s | %s | %.1f, %.0f |" % (spread(base_dec), spread(vs_base), statistics.median(x[1] for x in base),
                                              statistics.median(x[2] / 1024 for x in base))
            if prompt:
                row += " %s | %.1f |" % (spread(vs_base_pre), statistics.median(x[0] for x in base))
        rows.append(row)
        print(row, flush=True)
    print()
    print("llama.cpp build_commit %s; %d pairs per model, %d threads, %d run(s) inside each process, KV cache %s, isa %s, "
          "first %s" % (build, a.pairs, a.threads, a.repeat, a.cache_type, a.isa, a.first))
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in rows:
        print(r)


def timed(pair, name, model, run):
    """--times: RUN() through process_log.measure, which prints the process's line; returns what RUN returned."""
    kept = []
    process_log.measure("process", pair, ENGINE_NAMES[name], os.path.getsize(model), SLOW_GBS,
                        lambda: kept.append(run()) or (kept[0][0] or 0.0,) + tuple(kept[0][1:3]))  # --depth: no prefill
    return kept[0]


def pair_order(first, pair, baseline):
    """The engines of pair number PAIR (from 0) in the order they run: kvscope (then the baseline) then llama.cpp,
    or the reverse where FIRST is llama, or alternate and the pair is the second, fourth, ..."""
    order = ["kvscope", "baseline", "llama"] if baseline else ["kvscope", "llama"]
    if first == "llama" or (first == "alternate" and pair % 2 == 1):
        order.reverse()
    return order


if __name__ == "__main__":
    main()
