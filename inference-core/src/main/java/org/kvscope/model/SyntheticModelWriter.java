package org.kvscope.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.GGUFWriter;
import org.kvscope.tensor.Quantizer;
import org.kvscope.tokenizer.TokenizerSpec;

/**
 * Writes a random-weight GGUF file with the exact tensor names, shapes and metadata that
 * llama.cpp's converters produce for a real architecture, plus a working byte-level tokenizer.
 * Weights are Gaussian with standard deviation 1/sqrt(input width) (norms ≈ 1) so activations stay
 * in a realistic range. The same seed gives the same file.
 */
public final class SyntheticModelWriter {
    private SyntheticModelWriter() {}

    /**
     * @param type weight type for matrices: F32, F16, BF16, Q8_0, Q4_0 or Q4_K ("Q4_K_M"-style:
     *             the output/embedding matrix and ffn_down use Q6_K); norms are always F32. Matrices
     *             whose rows do not fill whole blocks of the chosen type fall back to Q8_0, as
     *             llama.cpp's quantizer does
     */
    public static void write(ModelShape shape, GGMLType type, Path out, long seed) throws IOException {
        write(shape, type, out, seed, (done, total) -> { });
    }

    /** Told, while the file is written, how many of its weight matrices are generated. */
    @FunctionalInterface
    public interface Progress {
        void matricesDone(int done, int total);
    }

    /** {@link #write(ModelShape, GGMLType, Path, long)}, reporting each generated matrix. */
    public static void write(ModelShape shape, GGMLType type, Path out, long seed, Progress progress) throws IOException {
        write(shape, type, type == GGMLType.Q4_K ? GGMLType.Q6_K : type, out, seed, progress);
    }

    /**
     * Every matrix in {@code type} except the embedding/output matrix and ffn_down, which use
     * {@code big} (llama.cpp's quantizer mixes types the same way; {@code big == type} gives a
     * "pure" file).
     */
    public static void write(ModelShape shape, GGMLType type, GGMLType big, Path out, long seed, Progress progress)
            throws IOException {
        Matrices c = new Matrices(progress);
        GGUFWriter w = new GGUFWriter();
        String a = shape.architecture.ggufName();
        w.putString("general.architecture", a);
        w.putString("general.name", "synthetic " + shape.id() + " " + type.name().toLowerCase()
                + (big == type ? "" : "+" + big.name().toLowerCase()));
        w.putUInt32(a + ".context_length", shape.context);
        w.putUInt32(a + ".embedding_length", shape.dim);
        w.putUInt32(a + ".feed_forward_length", shape.ffnDim);
        w.putUInt32(a + ".block_count", shape.layers);
        w.putUInt32(a + ".attention.head_count", shape.heads);
        w.putUInt32(a + ".attention.head_count_kv", shape.kvHeads);
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", shape.rmsEps);
        w.putFloat32(a + ".rope.freq_base", shape.ropeTheta);
        w.putUInt32(a + ".rope.dimension_count", shape.headDim());
        w.putUInt32(a + ".vocab_size", shape.vocab);
        putTokenizer(w, TokenizerSpec.syntheticByteLevel(shape.vocab));

        SplittableRandom random = new SplittableRandom(seed);
        int kvDim = shape.kvHeads * shape.headDim();
        matrix(w, c, "token_embd.weight", big, shape.dim, shape.vocab, 1.0, random);
        if (shape.llama3RopeScaling) {
            float[] f = RopeFrequencies.llama3Factors(shape.headDim(), shape.ropeTheta, 32f, 1f, 4f, 8192);
            w.addTensor("rope_freqs.weight", GGMLType.F32, new long[] {f.length}, Quantizer.quantize(GGMLType.F32, f));
        }
        for (int l = 0; l < shape.layers; l++) {
            String b = "blk." + l + ".";
            norm(w, b + "attn_norm.weight", shape.dim, random);
            matrix(w, c, b + "attn_q.weight", type, shape.dim, shape.dim, 0, random);
            matrix(w, c, b + "attn_k.weight", type, shape.dim, kvDim, 0, random);
            matrix(w, c, b + "attn_v.weight", type, shape.dim, kvDim, 0, random);
            if (shape.architecture.hasQkvBias()) {
                bias(w, b + "attn_q.bias", shape.dim, random);
                bias(w, b + "attn_k.bias", kvDim, random);
                bias(w, b + "attn_v.bias", kvDim, random);
            }
            matrix(w, c, b + "attn_output.weight", type, shape.dim, shape.dim, 0, random);
            norm(w, b + "ffn_norm.weight", shape.dim, random);
            matrix(w, c, b + "ffn_gate.weight", type, shape.dim, shape.ffnDim, 0, random);
            matrix(w, c, b + "ffn_up.weight", type, shape.dim, shape.ffnDim, 0, random);
            matrix(w, c, b + "ffn_down.weight", big, shape.ffnDim, shape.dim, 0, random);
        }
        norm(w, "output_norm.weight", shape.dim, random);
        if (!shape.tiedEmbeddings) {
            matrix(w, c, "output.weight", big, shape.dim, shape.vocab, 0, random);
        }
        progress.matricesDone(0, c.total); // every matrix is registered; the first is generated next
        w.write(out);
    }

    /** How many matrices {@link #write} generates for {@code shape}: what a progress display counts to from the start. */
    public static int matrixCount(ModelShape shape) {
        return 1 + 7 * shape.layers + (shape.tiedEmbeddings ? 0 : 1);
    }

    private static void putTokenizer(GGUFWriter w, TokenizerSpec spec) {
        for (Map.Entry<String, Object> e : spec.toGGUFMetadata().entrySet()) {
            Object v = e.getValue();
            switch (v) {
                case String s -> w.putString(e.getKey(), s);
                case String[] s -> w.putStringArray(e.getKey(), s);
                case float[] f -> w.putFloatArray(e.getKey(), f);
                case int[] i -> w.putInt32Array(e.getKey(), i);
                case Boolean bo -> w.putBool(e.getKey(), bo);
                case Integer i -> w.putUInt32(e.getKey(), i);
                case Long l -> w.putUInt32(e.getKey(), l);
                case Float f -> w.putFloat32(e.getKey(), f);
                default -> throw new IllegalStateException("unexpected tokenizer metadata " + e.getKey() + " of "
                        + v.getClass().getSimpleName());
            }
        }
    }

    /** Counts matrices as they are registered and as the writer generates them. */
    private static final class Matrices {
        final Progress progress;
        int total;
        int done;

        Matrices(Progress progress) {
            this.progress = progress;
        }

        synchronized void generated() {
            progress.matricesDone(++done, total);
        }
    }

    /**
     * A [cols × rows] matrix (ggml ne order) with N(0, std) entries; std 0 means 1/sqrt(cols).
     * Values are generated while the file is written (one tensor in memory at a time), from a
     * seed drawn now so the file does not depend on write order.
     */
    private static void matrix(GGUFWriter w, Matrices c, String name, GGMLType type, int cols, int rows, double std,
                               SplittableRandom random) {
        double sd = std > 0 ? std : 1.0 / Math.sqrt(cols);
        GGMLType t = type.blockSize() > 1 && cols % type.blockSize() != 0
                ? GGMLType.Q8_0 // as llama.cpp does for rows that do not fill whole K-quant blocks
                : type;
        long seed = random.nextLong();
        c.total++;
        w.addTensor(name, t, new long[] {cols, rows}, () -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] values = new float[Math.multiplyExact(cols, rows)];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (nextGaussian(r) * sd);
            }
            byte[] quantized = Quantizer.quantize(t, values);
            c.generated();
            return quantized;
        });
    }

    private static void norm(GGUFWriter w, String name, int n, SplittableRandom random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1.0 + 0.1 * nextGaussian(random));
        }
        w.addTensor(name, GGMLType.F32, new long[] {n}, Quantizer.quantize(GGMLType.F32, v));
    }

    private static void bias(GGUFWriter w, String name, int n, SplittableRandom random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.1 * nextGaussian(random));
        }
        w.addTensor(name, GGMLType.F32, new long[] {n}, Quantizer.quantize(GGMLType.F32, v));
    }

    private static double nextGaussian(SplittableRandom r) {
        double u = r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
