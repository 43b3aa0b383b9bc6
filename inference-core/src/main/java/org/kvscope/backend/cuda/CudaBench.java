package org.kvscope.backend.cuda;

import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Batch-1 decode speed of a GGUF model on the GPU against the device's copy bandwidth:
 * {@code CudaBench MODEL.gguf [decodeTokens]}. Prints tokens/s, weight bytes per token, the measured
 * device-to-device copy bandwidth (bytes read + written per second) and decode's share of that bound.
 */
public final class CudaBench {
    private static final int PROMPT = 16;
    private static final int WARMUP = 4;
    private static final long COPY_BYTES = 1L << 30;
    private static final int COPY_REPEATS = 10;

    private CudaBench() {}

    /** Runs the benchmark on device 0. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: CudaBench MODEL.gguf [decodeTokens (default 64)]");
            System.exit(2);
        }
        Path path = Path.of(args[0]);
        int decode = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        if (decode <= 0) {
            throw new IllegalArgumentException("decodeTokens must be positive, got " + decode);
        }
        try (CudaContext context = CudaContext.create(); Model model = ModelLoader.load(path)) {
            System.out.println("device: " + context.device().describe());
            double bandwidth = copyBandwidth(context);
            System.out.printf("device-to-device copy: %.1f GB/s (read + written)%n", bandwidth / 1e9);
            long t0 = System.nanoTime();
            try (CudaForward gpu = new CudaForward(context, model, PROMPT + WARMUP + decode)) {
                context.synchronize();
                System.out.printf("model %s: %d layers, dim %d; weights uploaded in %.1f s%n", path.getFileName(),
                        model.config().layers(), model.config().dim(), (System.nanoTime() - t0) / 1e9);
                int vocab = model.config().vocabSize();
                int[] tokens = new int[PROMPT + WARMUP + decode];
                for (int i = 0; i < PROMPT; i++) tokens[i] = (i * 7919 + 1) % vocab;
                long p0 = System.nanoTime();
                float[] logits = gpu.forward(tokens, 0, PROMPT, 0);
                double prefillS = (System.nanoTime() - p0) / 1e9;
                int pos = PROMPT;
                for (int i = 0; i < WARMUP; i++, pos++) {
                    tokens[pos] = argmax(logits);
                    logits = gpu.forward(tokens, pos, 1, pos);
                }
                long d0 = System.nanoTime();
                for (int i = 0; i < decode; i++, pos++) {
                    tokens[pos] = argmax(logits);
                    logits = gpu.forward(tokens, pos, 1, pos);
                }
                double decodeS = (System.nanoTime() - d0) / 1e9;
                double tokensPerSecond = decode / decodeS;
                long bytes = gpu.weightBytesPerToken();
                double achieved = tokensPerSecond * bytes;
                System.out.printf("prefill %d tokens: %.1f ms (first call, includes kernel loading)%n", PROMPT,
                        prefillS * 1e3);
                System.out.printf("decode: %d tokens in %.3f s = %.1f tokens/s (batch 1, logits copied to host)%n",
                        decode, decodeS, tokensPerSecond);
                System.out.printf("weight bytes per token: %d (%.1f MB); weight traffic %.1f GB/s = %.1f%% of copy bound%n",
                        bytes, bytes / 1e6, achieved / 1e9, 100 * achieved / bandwidth);
            }
        }
    }

    /** Bytes read plus bytes written per second by a large device-to-device copy. */
    static double copyBandwidth(CudaContext context) {
        try (DeviceBuffer src = context.allocate(COPY_BYTES); DeviceBuffer dst = context.allocate(COPY_BYTES)) {
            src.fillZero();
            dst.copyFrom(src);
            context.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < COPY_REPEATS; i++) {
                dst.copyFrom(src);
            }
            context.synchronize();
            double seconds = (System.nanoTime() - t0) / 1e9;
            return 2.0 * COPY_BYTES * COPY_REPEATS / seconds;
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) best = i;
        }
        return best;
    }
}
