package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.Set;
import java.util.SplittableRandom;
import org.kvscope.app.bench.MemoryBandwidth;
import org.kvscope.app.bench.ResidentMemory;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.model.Model;
import org.kvscope.sampling.Sampler;

/**
 * {@code kvscope bench}: prefill and decode tokens/s of a model against the bandwidth bound
 * measured in the same run.
 */
public final class BenchCommand implements Command {
    @Override public String name() { return "bench"; }

    @Override public String summary() { return "prefill/decode tokens/s against the measured memory-bandwidth bound"; }

    @Override
    public String usage() {
        return """
                usage: kvscope bench --model FILE [--prompt-tokens P] [--decode-tokens N] [--repeat R]
                  --prompt-tokens P   prefill length (default 256)
                  --decode-tokens N   decode steps timed (default 32)
                  --repeat R          repetitions; the best is reported (default 3)
                  --bandwidth-mib M   buffer size for the bandwidth test (default 1024)""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1,
                Set.of("model", "prompt-tokens", "decode-tokens", "repeat", "bandwidth-mib"), Set.of());
        int promptTokens = a.integer("prompt-tokens", 256, 1, 1 << 20);
        int decodeTokens = a.integer("decode-tokens", 32, 1, 1 << 20);
        int repeat = a.integer("repeat", 3, 1, 100);
        int mib = a.integer("bandwidth-mib", 1024, 16, 1 << 16);
        try (Model model = ModelOptions.load(a)) {
            int context = promptTokens + decodeTokens + 1;
            if (context > model.config().contextLength()) {
                throw new UsageException("--prompt-tokens + --decode-tokens = " + context
                        + " exceeds the model's context of " + model.config().contextLength());
            }
            out.println(ModelOptions.describe(model));
            MemoryBandwidth.Result bw = MemoryBandwidth.measure((long) mib << 20, 5);
            int[] prompt = new int[promptTokens];
            SplittableRandom r = new SplittableRandom(7);
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = r.nextInt(model.config().vocabSize());
            }
            InferenceSession session = new InferenceSession(model, SessionOptions.ofContext(context));
            double bestPrefill = 0, bestDecode = 0;
            for (int rep = 0; rep < repeat; rep++) {
                session.reset();
                long t0 = System.nanoTime();
                float[] logits = session.prefill(prompt);
                bestPrefill = Math.max(bestPrefill, promptTokens * 1e9 / (System.nanoTime() - t0));
                int token = Sampler.argmax(logits);
                long t1 = System.nanoTime();
                for (int i = 0; i < decodeTokens; i++) {
                    token = Sampler.argmax(session.decode(token));
                }
                bestDecode = Math.max(bestDecode, decodeTokens * 1e9 / (System.nanoTime() - t1));
            }
            long bytesPerToken = model.weights().bytesPerDecodedToken();
            double bound = bw.copyGBps() * 1e9 / bytesPerToken;
            out.printf("memory bandwidth (%d threads, %d MiB buffers): copy %.2f GB/s, read %.2f GB/s%n",
                    bw.threads(), bw.bufferBytes() >> 20, bw.copyGBps(), bw.readGBps());
            out.printf("weight bytes per decoded token: %.1f MiB%n", bytesPerToken / 1048576.0);
            out.printf("| prefill tok/s (%d) | decode tok/s | bound tok/s (copy bw) | decode / bound | prefill / decode |%n",
                    promptTokens);
            out.printf("| %.2f | %.2f | %.2f | %.0f%% | %.1fx |%n", bestPrefill, bestDecode, bound,
                    100 * bestDecode / bound, bestPrefill / bestDecode);
            long kvBytes = 2L * model.config().layers() * model.config().kvDim() * context * Float.BYTES;
            out.printf("KV cache allocated for the requested context of %d tokens: %.1f MiB (the model's maximum, %d tokens, "
                    + "would need %.1f MiB)%n", context, kvBytes / 1048576.0, model.config().contextLength(),
                    kvBytes / 1048576.0 / context * model.config().contextLength());
            ResidentMemory.read().ifPresent(m -> out.printf(
                    "resident memory: %.0f MiB file-backed (mapped weights; file %.0f MiB) + %.0f MiB anonymous (heap, KV, scratch)%n",
                    m.fileBytes() / 1048576.0, model.info().fileSize() / 1048576.0, m.anonymousBytes() / 1048576.0));
            return 0;
        }
    }
}
