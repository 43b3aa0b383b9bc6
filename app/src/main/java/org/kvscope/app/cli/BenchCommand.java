package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.kvscope.app.bench.BenchRun;
import org.kvscope.app.bench.CpuDescription;
import org.kvscope.app.bench.IsolatedBandwidth;
import org.kvscope.app.bench.KernelCeilings;
import org.kvscope.app.bench.MemoryBandwidth;
import org.kvscope.app.bench.ResidentMemory;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.model.Model;
import org.kvscope.sampling.Sampler;

/**
 * {@code kvscope bench}: prefill and decode tokens/s of a model against the bandwidth bound
 * measured in the same run.
 */
public final class BenchCommand implements Command {
    /** Largest batch for {@code --kernels}' matrix-matrix timing (bounds its scratch memory). */
    private static final int KERNEL_BATCH = 256;
    /**
     * Each bandwidth-test buffer, in MiB: far beyond the last-level cache, yet small enough that the
     * child JVM's peak resident memory (two buffers) stays near a 1B model's own. It was 1024, and
     * that child alone then set the peak of the process tree at 2.6–3.1 GB.
     */
    static final int DEFAULT_BANDWIDTH_MIB = 256;

    @Override public String name() { return "bench"; }

    @Override public String summary() { return "prefill/decode tokens/s against the measured memory-bandwidth bound"; }

    @Override
    public String usage() {
        return """
                usage: kvscope bench --model FILE [--prompt-tokens P] [--decode-tokens N] [--repeat R]
                                     [--warmup W] [--bandwidth-mib M] [--kernels] [--device D]
                                     [--cache-type T] [--quiet]
                """ + ModelOptions.usage(19) + """
                  --prompt-tokens P   prefill length, 1..1048576 (default 256)
                  --decode-tokens N   decode steps timed, 1..1048576 (default 32)
                  --repeat R          runs, each after its own bandwidth measurement; every run and
                                      the median are printed, 1..100 (default 3)
                  --warmup W          runs before the measured ones, printed but left out of the median,
                                      so that the JIT has compiled the kernels first, 0..100 (default 1)
                  --bandwidth-mib M   size of each of the bandwidth test's two buffers in MiB, 0 or 16..65536
                                      (default 256; far larger than the caches). 0 skips the test: no bound columns, and the
                                      peak resident memory of the whole process tree is the model's alone
                  --kernels           also time the weight kernels alone on the model's matrices: the
                                      decode and prefill ceilings they set, a plain read of the same
                                      weights (what memory allows decode at all), and the largest
                                      prefill ÷ decode ratio they allow with decode at 80% of the bound
                """ + DeviceOption.USAGE + " (the bound is the host's memory bandwidth)\n" + Progress.USAGE;
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1,
                Set.of("model", "prompt-tokens", "decode-tokens", "repeat", "warmup", "bandwidth-mib", DeviceOption.NAME,
                        DeviceOption.CACHE_TYPE),
                Set.of("kernels", Progress.QUIET));
        DeviceOption.device(a);
        int promptTokens = a.integer("prompt-tokens", 256, 1, 1 << 20);
        int decodeTokens = a.integer("decode-tokens", 32, 1, 1 << 20);
        int repeat = a.integer("repeat", 3, 1, 100);
        int warmup = a.integer("warmup", 1, 0, 100);
        int mib = a.integer("bandwidth-mib", DEFAULT_BANDWIDTH_MIB, 0, 1 << 16);
        if (mib > 0 && mib < 16) {
            throw new UsageException("--bandwidth-mib must be 0 (no bandwidth test) or at least 16, got " + mib);
        }
        if (mib == 0 && a.flag("kernels")) {
            throw new UsageException("--kernels compares the kernels with the bandwidth bound: it needs --bandwidth-mib above 0");
        }
        List<String> deviceNotice = new ArrayList<>(1); // printed once, in the header below, not also on stderr
        try (Model model = ModelOptions.loadWithoutText(a); BackendFactory backend = DeviceOption.select(a, deviceNotice::add)) {
            int context = promptTokens + decodeTokens; // what llama-bench allocates for the same test
            if (context > model.config().contextLength()) {
                throw new UsageException("--prompt-tokens + --decode-tokens = " + context
                        + " exceeds the model's context of " + model.config().contextLength());
            }
            InferenceSession session = new InferenceSession(model, SessionOptions.ofContext(backend, context));
            out.println(ModelOptions.describe(model));
            // with the other facts, above the table; an automatic choice says why (e.g. the CPU: no usable GPU)
            out.println(deviceNotice.isEmpty() ? "device: " + session.device() : deviceNotice.getFirst());
            out.println(CpuDescription.describe());
            out.println(org.kvscope.tensor.NativeKernels.describe());
            int[] prompt = new int[promptTokens];
            SplittableRandom r = new SplittableRandom(7);
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = r.nextInt(model.config().vocabSize());
            }
            long bytesPerToken = model.weights().bytesPerDecodedToken();
            if (mib > 0) {
                out.printf("weight bytes per decoded token: %.1f MiB; bound = copy bandwidth / those bytes, "
                        + "the bandwidth measured (two %d MiB buffers, all cores, in a separate JVM) right before each run%n",
                        bytesPerToken / 1048576.0, mib);
            } else {
                out.printf("weight bytes per decoded token: %.1f MiB; no bandwidth test (--bandwidth-mib 0), so no bound%n",
                        bytesPerToken / 1048576.0);
            }
            out.printf("| run | copy GB/s | read GB/s | prefill tok/s (%d) | decode tok/s | bound tok/s | decode / bound "
                    + "| prefill / decode |%n", promptTokens);
            List<BenchRun> runs = new ArrayList<>();
            KernelCeilings ceilings = null;
            try (Progress progress = Progress.start(a, err, "bench", warmup + repeat + (a.flag("kernels") ? 1 : 0),
                    "runs")) {
                progress.stepTo(0, warmup > 0 ? "warm-up 1" : "run 1");
                for (int w = 0; w < warmup; w++) {
                    double[] speeds = prefillAndDecode(session, prompt, decodeTokens);
                    progress.above(out, String.format(Locale.ROOT, "| warm-up %d | | | %.2f | %.2f | | | (not in the median) |",
                            w + 1, speeds[0], speeds[1]));
                    progress.step(w + 1 < warmup ? "warm-up " + (w + 2) : "run 1");
                }
                for (int rep = 0; rep < repeat; rep++) {
                    MemoryBandwidth.Result bw = mib > 0 ? IsolatedBandwidth.measure((long) mib << 20, 3) : NOT_MEASURED;
                    double[] speeds = prefillAndDecode(session, prompt, decodeTokens);
                    BenchRun run = new BenchRun(bw.copyGBps(), bw.readGBps(), speeds[0], speeds[1],
                            bw.copyGBps() * 1e9 / bytesPerToken);
                    runs.add(run);
                    progress.above(out, run.row(Integer.toString(rep + 1)));
                    progress.step(rep + 1 < repeat ? "run " + (rep + 2) : "kernel ceilings");
                }
                if (a.flag("kernels")) {
                    ceilings = KernelCeilings.measure(model.weights(), model.config(),
                            Math.max(2, Math.min(promptTokens, KERNEL_BATCH)), 5);
                    progress.step("done");
                }
            }
            out.println(BenchRun.medianRow(runs));
            out.println("(" + (warmup == 0 ? "no warm-up: run 1 includes the JIT's compilation. " : "")
                    + "median: each column's median over the measured runs; the two ratios are medians of each run's own ratio)");
            if (ceilings != null) {
                out.println(ceilings.describe(BenchRun.median(runs, BenchRun::boundTokS), 0.8));
            }
            var cfg = model.config();
            long kvBytes = 2L * cfg.layers() * cfg.kvHeads() * context * backend.cacheType().vectorBytes(cfg.headDim());
            out.printf("KV cache (%s) allocated for the requested context of %d tokens: %.1f MiB (the model's maximum, "
                    + "%d tokens, would need %.1f MiB)%n", backend.cacheType().cliName(), context, kvBytes / 1048576.0,
                    model.config().contextLength(),
                    kvBytes / 1048576.0 / context * model.config().contextLength());
            ResidentMemory.read().ifPresent(m -> out.printf(
                    "resident memory: %.0f MiB file-backed (mapped weights; file %.0f MiB) + %.0f MiB anonymous (heap, KV, scratch)%n",
                    m.fileBytes() / 1048576.0, model.info().fileSize() / 1048576.0, m.anonymousBytes() / 1048576.0));
            ResidentMemory.peak().ifPresent(peak -> out.printf(
                    "peak resident memory of this JVM: %.0f MiB (VmHWM; the bandwidth test's child JVM not included)%n",
                    peak / 1048576.0));
            return 0;
        }
    }

    /** Stands in for the bandwidth test when it is skipped: its columns and the bound print as "–". */
    private static final MemoryBandwidth.Result NOT_MEASURED = new MemoryBandwidth.Result(Double.NaN, Double.NaN, 0, 1);

    /** Prefill of the prompt from an empty cache, then greedy decode steps: {prefill tok/s, decode tok/s}. */
    private static double[] prefillAndDecode(InferenceSession session, int[] prompt, int decodeTokens) {
        session.reset();
        long t0 = System.nanoTime();
        float[] logits = session.prefill(prompt);
        double prefill = prompt.length * 1e9 / (System.nanoTime() - t0);
        int token = Sampler.argmax(logits);
        long t1 = System.nanoTime();
        for (int i = 0; i < decodeTokens; i++) { // one logits array for every step, as llama-bench
            token = Sampler.argmax(session.decode(token, logits));
        }
        return new double[] {prefill, decodeTokens * 1e9 / (System.nanoTime() - t1)};
    }
}
