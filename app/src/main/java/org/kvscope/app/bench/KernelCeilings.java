package org.kvscope.app.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.LayerWeights;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelWeights;
import org.kvscope.tensor.FloatTensor;
import org.kvscope.tensor.Parallel;
import org.kvscope.tensor.VectorOps;

/**
 * What the weight kernels alone allow on this machine, measured on the model's own matrices with
 * all cores: decode's matrix-vector products (every matrix once, the LM head included) and
 * prefill's matrix-matrix products (every layer matrix at one batch; the LM head is left out, as
 * prefill computes logits for the last row only). Attention, norms and the rest of a forward pass
 * come on top, so real decode and prefill stay below these ceilings.
 *
 * @param matvecGBps     weight bytes per second through the matrix-vector kernels
 * @param decodeTokS     decode tokens/s if the matrix-vector products were all of decode
 * @param matmulGFlops   multiply-adds ×2 per second through the matrix-matrix kernels
 * @param prefillTokS    prefill tokens/s if the layer matrix products were all of prefill
 * @param batch          the batch of the matrix-matrix measurement
 * @param peakGFlops     the CPU's fused multiply-add peak, all cores, from a loop that touches no memory
 * @param flopsPerToken  prefill's matrix work per token (2 × the layer matrices' elements)
 * @param matvecByType   decode's matrix-vector GB/s per tensor type (each type's median over the timed
 *                       passes), in the order the types first appear
 * @param plainReadGBps  the same weight bytes read once with no arithmetic, split over the cores as
 *                       the matrix-vector products split them, each pass right after a matrix-vector
 *                       pass: what memory gives a read-only stream at that moment (median pass)
 */
public record KernelCeilings(double matvecGBps, double decodeTokS, double matmulGFlops, double prefillTokS, int batch,
                             double peakGFlops, double flopsPerToken, Map<GGMLType, Double> matvecByType,
                             double plainReadGBps) {

    /** One weight matrix as decode and prefill use it: rows × cols. */
    private record Matrix(FloatTensor tensor, int rows, int cols) {}

    /**
     * Times every matrix's products after one warm-up pass and keeps the median pass: the
     * matrix-matrix products {@code repetitions} times, the much shorter matrix-vector passes
     * three times as often, so that a noisy moment on a shared host moves the median less.
     */
    public static KernelCeilings measure(ModelWeights w, ModelConfig c, int batch, int repetitions) {
        if (batch < 2 || repetitions < 1) {
            throw new IllegalArgumentException("batch must be at least 2 and repetitions at least 1");
        }
        List<Matrix> layers = new ArrayList<>();
        for (LayerWeights l : w.layers()) {
            layers.add(new Matrix(l.wq(), c.qDim(), c.dim()));
            layers.add(new Matrix(l.wk(), c.kvDim(), c.dim()));
            layers.add(new Matrix(l.wv(), c.kvDim(), c.dim()));
            layers.add(new Matrix(l.wo(), c.dim(), c.qDim()));
            layers.add(new Matrix(l.gate(), c.ffnDim(), c.dim()));
            layers.add(new Matrix(l.up(), c.ffnDim(), c.dim()));
            layers.add(new Matrix(l.down(), c.dim(), c.ffnDim()));
        }
        List<Matrix> decode = new ArrayList<>(layers);
        decode.add(new Matrix(w.output(), c.vocabSize(), c.dim()));
        int widest = Math.max(Math.max(c.dim(), c.qDim()), c.ffnDim());
        int tallest = Math.max(Math.max(widest, c.vocabSize()), c.kvDim());
        float[] x = random(batch * widest);
        float[] out = new float[Math.max(tallest, batch * widest)];

        Map<GGMLType, Long> typeBytes = new LinkedHashMap<>();
        for (Matrix m : decode) {
            typeBytes.merge(m.tensor().type(), m.tensor().type().byteSize((long) m.rows() * m.cols()), Long::sum);
        }
        List<Map<GGMLType, Long>> passNanos = new ArrayList<>(); // per pass: type → nanoseconds
        List<Long> readNanos = new ArrayList<>();
        float[] sink = new float[1];
        Runnable pass = () -> {
            Map<GGMLType, Long> nanos = new LinkedHashMap<>();
            for (Matrix m : decode) {
                long t0 = System.nanoTime();
                m.tensor().matvec(x, out, m.rows(), m.cols());
                nanos.merge(m.tensor().type(), System.nanoTime() - t0, Long::sum);
            }
            passNanos.add(nanos);
            long t0 = System.nanoTime();
            for (Matrix m : decode) {
                sink[0] += m.tensor().readOnce(m.rows(), m.cols());
            }
            readNanos.add(System.nanoTime() - t0);
        };
        for (int i = 0; i <= 3 * repetitions; i++) { // the first pass warms up
            pass.run();
        }
        passNanos.removeFirst();
        readNanos.removeFirst();
        double matvecSeconds = median(passNanos.stream()
                .mapToDouble(p -> p.values().stream().mapToLong(Long::longValue).sum()).toArray()) / 1e9;
        double readSeconds = median(readNanos.stream().mapToDouble(Long::doubleValue).toArray()) / 1e9;
        Map<GGMLType, Double> matvecByType = new LinkedHashMap<>();
        typeBytes.forEach((type, bytes) -> matvecByType.put(type,
                bytes / median(passNanos.stream().mapToDouble(p -> p.get(type)).toArray())));
        double matmulSeconds = medianSeconds(repetitions, () -> {
            for (Matrix m : layers) {
                m.tensor().matmul(x, out, batch, m.rows(), m.cols());
            }
        });
        long bytes = w.bytesPerDecodedToken();
        double flops = 0;
        for (Matrix m : layers) {
            flops += 2.0 * batch * m.rows() * m.cols();
        }
        return new KernelCeilings(bytes / matvecSeconds / 1e9, 1 / matvecSeconds, flops / matmulSeconds / 1e9,
                batch / matmulSeconds, batch, fmaPeakGFlops(), flops / batch, matvecByType, bytes / readSeconds / 1e9);
    }

    /** Independent accumulators per participant of {@link #fmaPeakGFlops}: enough to hide FMA latency. */
    private static final int CHAINS = 12;

    /** Fused multiply-adds on registers only, every core at once; best of three passes after a short one. */
    static double fmaPeakGFlops() {
        int threads = Parallel.threads();
        int iterations = 4_000_000;
        double best = 0;
        float[] sink = new float[threads];
        for (int pass = 0; pass < 4; pass++) {
            int n = pass == 0 ? 20_000 : iterations;
            long t0 = System.nanoTime();
            Parallel.forRange(threads, 1, (from, to) -> {
                for (int t = from; t < to; t++) {
                    sink[t] = fmaChains(n, 1f + t * 1e-9f);
                }
            });
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (pass > 0) { // pass 0, short, gets the loop compiled
                best = Math.max(best, 2.0 * CHAINS * VectorOps.F.length() * n * threads / seconds / 1e9);
            }
        }
        if (Float.isNaN(sink[0])) {
            throw new AssertionError();
        }
        return best;
    }

    private static float fmaChains(int iterations, float seed) {
        FloatVector m = FloatVector.broadcast(VectorOps.F, 0.999999f), a = FloatVector.broadcast(VectorOps.F, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(VectorOps.F, seed), c1 = c0.add(1), c2 = c0.add(2), c3 = c0.add(3);
        FloatVector c4 = c0.add(4), c5 = c0.add(5), c6 = c0.add(6), c7 = c0.add(7);
        FloatVector c8 = c0.add(8), c9 = c0.add(9), c10 = c0.add(10), c11 = c0.add(11);
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
        }
        return c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))).add(c8.add(c9).add(c10.add(c11)))
                .reduceLanes(VectorOperators.ADD);
    }

    /**
     * The report: both ceilings, and the largest prefill ÷ decode ratio the matrix products allow
     * when decode runs at {@code boundShare} of the bandwidth bound {@code boundTokS}.
     */
    public String describe(double boundTokS, double boundShare) {
        double decodeAtShare = boundShare * boundTokS;
        StringBuilder types = new StringBuilder();
        matvecByType.forEach((type, gbps) -> types.append(types.isEmpty() ? "" : ", ").append(type)
                .append(String.format(" %.2f", gbps)));
        return String.format(
                "kernel ceilings (weights only, all cores, median pass): decode matvecs %.2f GB/s (by type: %s) = %.2f tok/s "
                        + "(%.0f%% of the median bound); prefill matmuls (batch %d) %.1f GFLOP/s = %.2f tok/s.%n"
                        + "a plain read of the same weights, split over the cores the same way, runs %.2f GB/s = %.2f tok/s "
                        + "(%.0f%% of the median bound): the decode matvecs reach %.0f%% of it.%n"
                        + "at %.0f%% of the bound (%.2f tok/s) decode leaves prefill ÷ decode at most %.1fx from these kernels; "
                        + "at the CPU's FMA peak (%.1f GFLOP/s, registers only) at most %.1fx",
                matvecGBps, types, decodeTokS, 100 * decodeTokS / boundTokS, batch, matmulGFlops, prefillTokS,
                plainReadGBps, decodeTokS * plainReadGBps / matvecGBps, 100 * decodeTokS * plainReadGBps / matvecGBps / boundTokS,
                100 * matvecGBps / plainReadGBps,
                100 * boundShare, decodeAtShare, prefillTokS / decodeAtShare, peakGFlops,
                peakGFlops * 1e9 / flopsPerToken / decodeAtShare);
    }

    private static double medianSeconds(int repetitions, Runnable pass) {
        pass.run();
        double[] seconds = new double[repetitions];
        for (int i = 0; i < repetitions; i++) {
            long t0 = System.nanoTime();
            pass.run();
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        return median(seconds);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static float[] random(int n) {
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }
}
