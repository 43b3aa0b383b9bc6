#!/usr/bin/env python3
"""kvscope against llama2.c's hand-written C (run.c, runq.c), process by process, same weights.

llama2.c reads its own checkpoint formats, so each GGUF file is first written in the one its
program reads: an all-F32 file as run.c's float checkpoint (legacy version 0: a 7-int header,
then the tensors), an all-Q8_0 file as runq.c's version-2 int8 checkpoint with group size 32
(Q8_0's int8 quants and scales unchanged, scales widened from f16 to f32). The weights are the
same numbers in both engines. The checkpoints go into the scratch folder, beside a token table
for the file's vocabulary (llama2.c's tokenizer.bin layout; synthetic files get placeholder
pieces, nothing is decoded from them but printed text).

Then PAIRS pairs of runs, each one `kvscope bench` process and one llama2.c process (A B A B ...),
THREADS threads each (llama2.c built with OpenMP, OMP_NUM_THREADS), and per pair the ratio of
decode tokens/s, kvscope / llama2.c; the median of the per-pair ratios with min and max, and both
engines' peak resident memory. What is timed is the same work: llama2.c `-n STEPS -t 0` from an
empty prompt times the tokens at positions 1..STEPS-1 (its timer starts after the first token;
greedy, so sampling is an argmax in both); kvscope `bench --prompt-tokens 1 --decode-tokens
STEPS-1` times decode over the same positions (llama2.c's first two of them forced from its
one-letter prompt, the same forward pass), after its usual warm-up run (the JIT).

Before timing it checks that the conversion is faithful: on stories260K (F32, rope base 10,000 and
RMS epsilon 1e-5, the two constants llama2.c hard-codes) run.c's greedy text equals kvscope's for
two prompts. SmolLM2's own rope base is 100,000; llama2.c uses 10,000 there, which changes no
operation count, only the values (random weights either way).

llama2.c's source is not in this repository and is not downloaded here: build it yourself from
https://github.com/karpathy/llama2.c (its README: `make runomp`, i.e.
`gcc -Ofast -fopenmp -march=native run.c -lm -o run`, and the same for runq.c) and pass the two
programs:

  benchmarks/llama2c/compare.py --run PATH/run --runq PATH/runq [--pairs 5] [--threads 2]
        [--steps 256] [--synth smollm2-135m:f32,smollm2-135m:q8_0] [--isa avx2] [MODEL.gguf ...]

--isa avx2 holds both to AVX2 (an "AVX2 day" on an AVX-512 host): kvscope with llamacpp/compare.py's options
(-XX:UseAVX=2 -Dkvscope.native.isa=avx2, checked in bench's header), and llama2.c's programs must be built for
AVX2 (`-march=haswell`): each is disassembled (objdump) and refused if it holds a 512-bit (zmm) instruction.

Python 3 standard library only.
"""
import argparse
import datetime
import mmap
import os
import re
import statistics
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "llamacpp"))
import compare as llamacpp  # noqa: E402  (run, kvscope, kvscope_bench, synthesize, spread, fail)

SCRATCH = os.environ.get("KVSCOPE_LLAMA2C_DIR", "/tmp/kvscope-llama2c")
STORIES = os.path.join(REPO, "..", "shared", "models", "stories260K.gguf")
STORIES_TOKENIZER = os.path.join(REPO, "..", "shared", "models", "tok512.bin")
GREEDY_PROMPTS = ["Once upon a time", "Tom and his dog went to the park"]
GREEDY_TOKENS = 60
F32, Q8_0 = 0, 8
SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def fail(message):
    llamacpp.fail(message)


class Gguf:
    """The parts of a GGUF file a llama2.c checkpoint needs: hyper-parameters and tensors by name."""

    def __init__(self, path):
        self.path = path
        self.file = open(path, "rb")
        self.map = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
        self.pos = 0
        if self.map[:4] != b"GGUF":
            fail("%s is not a GGUF file" % path)
        self.pos = 4
        self._read("I")
        tensors, kvs = self._read("Q"), self._read("Q")
        self.meta = {}
        for _ in range(kvs):
            key = self._string()
            self.meta[key] = self._value(self._read("I"))
        infos = []
        for _ in range(tensors):
            name = self._string()
            dims = [self._read("Q") for _ in range(self._read("I"))]
            infos.append((name, dims, self._read("I"), self._read("Q")))
        align = self.meta.get("general.alignment", 32)
        base = (self.pos + align - 1) // align * align
        self.tensors = {name: (dims, gtype, base + offset) for name, dims, gtype, offset in infos}

    def _read(self, fmt):
        size = struct.calcsize("<" + fmt)
        value = struct.unpack_from("<" + fmt, self.map, self.pos)[0]
        self.pos += size
        return value

    def _string(self):
        n = self._read("Q")
        self.pos += n
        return bytes(self.map[self.pos - n:self.pos]).decode("utf-8", "replace")

    def _value(self, vtype):
        if vtype == 8:
            return self._string()
        if vtype == 9:
            itype, count = self._read("I"), self._read("Q")
            return [self._value(itype) for _ in range(count)]
        return self._read(SCALARS[vtype])

    def arch_value(self, key):
        return self.meta["%s.%s" % (self.meta["general.architecture"], key)]

    def config(self):
        """llama2.c's Config: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (seq_len set by the caller)."""
        dim = self.arch_value("embedding_length")
        heads = self.arch_value("attention.head_count")
        return (dim, self.arch_value("feed_forward_length"), self.arch_value("block_count"), heads,
                self.meta.get("%s.attention.head_count_kv" % self.meta["general.architecture"], heads),
                self.tensors["token_embd.weight"][0][1])

    def raw(self, name):
        dims, gtype, offset = self.tensors[name]
        count = 1
        for d in dims:
            count *= d
        if gtype == F32:
            size = 4 * count
        elif gtype == Q8_0:
            size = count // 32 * 34
        else:
            fail("%s: tensor %s has ggml type %d; llama2.c's programs read F32 (run.c) or Q8_0 (runq.c) files only"
                 % (self.path, name, gtype))
        return gtype, memoryview(self.map)[offset:offset + size]


LAYER_TENSORS = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up"]


def write_float_checkpoint(g, out, seq_len):
    """run.c's legacy float checkpoint; a negative vocab size marks a separate classifier."""
    dim, hidden, layers, heads, kv_heads, vocab = g.config()
    shared = "output.weight" not in g.tensors
    with open(out, "wb") as f:
        f.write(struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab if shared else -vocab, seq_len))

        def put(name):
            gtype, data = g.raw(name)
            if gtype != F32:
                fail("%s: %s is not F32; run.c needs an all-F32 file" % (g.path, name))
            f.write(data)

        put("token_embd.weight")
        for i in range(layers):
            put("blk.%d.attn_norm.weight" % i)
        for t in ["attn_q", "attn_k", "attn_v", "attn_output"]:
            for i in range(layers):
                put("blk.%d.%s.weight" % (i, t))
        for i in range(layers):
            put("blk.%d.ffn_norm.weight" % i)
        for t in ["ffn_gate", "ffn_down", "ffn_up"]:
            for i in range(layers):
                put("blk.%d.%s.weight" % (i, t))
        put("output_norm.weight")
        f.write(bytes(4 * seq_len * (dim // heads)))  # freq_cis_real and _imag: read past, unused
        if not shared:
            put("output.weight")


def write_int8_checkpoint(g, out, seq_len):
    """runq.c's version-2 checkpoint, group size 32: each Q8_0 tensor as its int8 quants then f32 scales."""
    dim, hidden, layers, heads, kv_heads, vocab = g.config()
    shared = "output.weight" not in g.tensors
    header = struct.pack("<II7iBi", 0x616B3432, 2, dim, hidden, layers, heads, kv_heads, vocab, seq_len,
                         1 if shared else 0, 32)
    with open(out, "wb") as f:
        f.write(header + bytes(256 - len(header)))
        for name in (["blk.%d.attn_norm.weight" % i for i in range(layers)]
                     + ["blk.%d.ffn_norm.weight" % i for i in range(layers)] + ["output_norm.weight"]):
            gtype, data = g.raw(name)
            if gtype != F32:
                fail("%s: norm %s is not F32" % (g.path, name))
            f.write(data)

        def put(name):
            gtype, data = g.raw(name)
            if gtype != Q8_0:
                fail("%s: %s is not Q8_0; runq.c needs every matrix in Q8_0 (group size 32)" % (g.path, name))
            blocks = len(data) // 34
            raw = bytes(data)
            f.write(b"".join(raw[b * 34 + 2:b * 34 + 34] for b in range(blocks)))
            halves = b"".join(raw[b * 34:b * 34 + 2] for b in range(blocks))
            f.write(struct.pack("<%df" % blocks, *struct.unpack("<%de" % blocks, halves)))

        put("token_embd.weight")
        for t in LAYER_TENSORS:
            for i in range(layers):
                put("blk.%d.%s.weight" % (i, t))
        if not shared:
            put("output.weight")


def write_placeholder_tokenizer(out, vocab):
    """llama2.c's tokenizer.bin layout (max length, then score, length, bytes per piece): a space, then letters.

    llama2.c stops when it samples the BOS token it starts from, so it is given the one-letter prompt
    "a" (BOS, the space piece, "a"); the random weights then generate other pieces (on the SmolLM2
    shape "a" and "v" alternately) for every remaining position, so the timed steps are all run."""
    with open(out, "wb") as f:
        f.write(struct.pack("<i", 1))
        for i in range(vocab):
            f.write(struct.pack("<fi", 0.0, 1) + (b" " if i == 0 else bytes([97 + i % 26])))


def convert(model, seq_len):
    """(checkpoint, tokenizer, program kind) for model, written once into the scratch folder."""
    g = Gguf(model)
    kinds = {g.tensors[n][1] for n in g.tensors if len(g.tensors[n][0]) == 2}
    kind = "run" if kinds == {F32} else "runq" if kinds == {Q8_0} else None
    if kind is None:
        fail("%s: matrices of ggml types %s; llama2.c reads all-F32 (run.c) or all-Q8_0 (runq.c) files"
             % (model, sorted(kinds)))
    os.makedirs(SCRATCH, exist_ok=True)
    stem = os.path.join(SCRATCH, os.path.basename(model)[:-len(".gguf")])
    checkpoint = "%s.%s.bin" % (stem, kind)
    if not os.path.isfile(checkpoint) or os.path.getmtime(checkpoint) < os.path.getmtime(model):
        print("writing %s" % checkpoint, flush=True)
        (write_float_checkpoint if kind == "run" else write_int8_checkpoint)(g, checkpoint + ".tmp", seq_len)
        os.replace(checkpoint + ".tmp", checkpoint)
    tokenizer = stem + ".tokenizer.bin"
    if not os.path.isfile(tokenizer):
        write_placeholder_tokenizer(tokenizer, g.config()[5])
    return checkpoint, tokenizer, kind


def llama2c(program, checkpoint, tokenizer, steps, threads, prompt=None):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    cmd = [program, checkpoint, "-z", tokenizer, "-t", "0", "-n", str(steps)]
    if prompt is not None:
        cmd += ["-i", prompt]
    return llamacpp.run(cmd, env=env)


def tokens_per_second(stderr, program):
    m = re.search(r"achieved tok/s: ([0-9.]+)", stderr)
    if not m:
        fail("%s printed no 'achieved tok/s' line:\n%s" % (program, stderr[-2000:]))
    return float(m.group(1))


def greedy_check(run_program, threads):
    for path in (STORIES, STORIES_TOKENIZER):
        if not os.path.isfile(path):
            fail("%s is missing: the conversion check needs stories260K and tok512.bin (../shared/models)" % path)
    checkpoint, _, _ = convert(STORIES, 512)
    for prompt in GREEDY_PROMPTS:
        ours, _, _ = llamacpp.kvscope(["generate", "--model", STORIES, "--prompt", prompt, "-n", str(GREEDY_TOKENS)],
                                      threads)
        theirs, _, _ = llama2c(run_program, checkpoint, STORIES_TOKENIZER, GREEDY_TOKENS + 20, threads, prompt)
        # run.c prints the prompt's pieces then what follows; compare the words the two produce
        a, b = " ".join(ours.split()), " ".join(theirs.split())
        n = min(len(a), len(b))
        if n < len(prompt) + 20 or a[:n] != b[:n]:
            fail("greedy text differs on stories260K for %r:\n  kvscope:  %r\n  llama2.c: %r" % (prompt, ours, theirs))
    print("conversion check: run.c and kvscope generate the same greedy text on stories260K for %d prompts"
          % len(GREEDY_PROMPTS))


def check_avx2(program):
    """Refuses a program built with AVX-512: --isa avx2 wants llama2.c as an AVX2 CPU would run it."""
    try:
        dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", program], capture_output=True, text=True)
    except FileNotFoundError:
        fail("--isa avx2 checks llama2.c's programs with objdump, which is not installed (binutils)")
    if dis.returncode != 0:
        fail("objdump could not read %s:\n%s" % (program, dis.stderr[-500:]))
    if "%zmm" in dis.stdout:
        fail("--isa avx2: %s holds AVX-512 (zmm) instructions; build it with -march=haswell" % program)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", metavar="MODEL.gguf")
    ap.add_argument("--run", required=True, help="llama2.c's run program (built with OpenMP)")
    ap.add_argument("--runq", required=True, help="llama2.c's runq program (built with OpenMP)")
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=256, help="positions generated by llama2.c (default 256)")
    ap.add_argument("--synth", default="", help="SHAPE:TYPE,... synthetic files (types f32 or q8_0)")
    ap.add_argument("--kvscope-args", default="", help="extra options for kvscope bench")
    ap.add_argument("--isa", default="native", choices=sorted(llamacpp.ISA),
                    help="native: each engine's best for this CPU; avx2: both held to AVX2 (kvscope "
                         + llamacpp.AVX2_JAVA_OPTS + "; run and runq built -march=haswell, checked)")
    args = ap.parse_args()
    for p in (args.run, args.runq):
        if not os.access(p, os.X_OK):
            fail("%s is not an executable program; build llama2.c's run and runq (see --help)" % p)
    avx2 = args.isa == "avx2"
    if avx2:
        for p in (args.run, args.runq):
            check_avx2(p)
        llamacpp.JAVA_OPTS.extend(llamacpp.AVX2_JAVA_OPTS.split())
    if args.steps < 3:
        fail("--steps must be at least 3; got %d" % args.steps)
    models = list(args.models)
    if args.synth:
        models += llamacpp.synthesize(args.synth.split(","), args.threads)
    if not models:
        fail("no model: give MODEL.gguf files (all F32 or all Q8_0) or --synth SHAPE:TYPE,...")

    commit = subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%h"], capture_output=True, text=True).stdout.strip()
    cpu = llamacpp.cpu_line()
    print("# kvscope %s against llama2.c (%s, %s), %s UTC, %s, %d threads, load %s, isa %s%s"
          % (commit, args.run, args.runq, datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), cpu, args.threads,
             open("/proc/loadavg").read().split()[0], args.isa,
             " (kvscope with %s; run and runq hold no zmm instruction)" % llamacpp.AVX2_JAVA_OPTS if avx2 else ""))
    greedy_check(args.run, args.threads)
    extra = args.kvscope_args.split()
    rows = []
    for model in models:
        checkpoint, tokenizer, kind = convert(model, max(512, args.steps + 1))
        program = args.run if kind == "run" else args.runq
        ratios, ours, theirs, rss_ours, rss_theirs = [], [], [], [], []
        for pair in range(args.pairs):
            _, decode, rss = llamacpp.kvscope_bench(model, 1, args.steps - 1, args.threads, 1, extra, avx2=avx2)
            _, err, rss2 = llama2c(program, checkpoint, tokenizer, args.steps, args.threads, "a")
            theirs_ts = tokens_per_second(err, program)
            ratios.append(decode / theirs_ts)
            ours.append(decode)
            theirs.append(theirs_ts)
            rss_ours.append(rss)
            rss_theirs.append(rss2)
            print("%s pair %d: kvscope %.1f tok/s, %s %.1f tok/s, ratio %.3f"
                  % (os.path.basename(model), pair + 1, decode, kind, theirs_ts, ratios[-1]), flush=True)
        rows.append((os.path.basename(model), kind, llamacpp.spread(ratios), statistics.median(ours),
                     statistics.median(theirs), max(rss_ours) // 1024, max(rss_theirs) // 1024))
    print()
    print("| file | llama2.c program | decode, kvscope ÷ llama2.c | tok/s kvscope / llama2.c | peak RSS MiB kvscope / llama2.c |")
    print("|---|---|---|---|---|")
    for name, kind, spread, a, b, ra, rb in rows:
        print("| %s | %s | %s | %.1f / %.1f | %d / %d |" % (name, kind, spread, a, b, ra, rb))


if __name__ == "__main__":
    main()
