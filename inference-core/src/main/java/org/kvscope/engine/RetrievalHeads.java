package org.kvscope.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import org.kvscope.backend.BackendFactory;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.tokenizer.Tokenizer;
import org.kvscope.trace.AttentionObserver;

/**
 * Which heads retrieve: a training-free stand-in for DuoAttention's learned gates (Xiao et al.
 * 2024). Each probe hides a needle (a pass key) in a haystack and ends by repeating it; a head's
 * retrieval score is the attention mass the queries that produce the answer tokens put on the
 * needle's positions, averaged over those queries and over the probes. A kv-head scores the
 * most of its query heads (a kv-head keeps its full cache if any of its query heads retrieves).
 * The probes run in one session: a probe starts from the previous one's cache where their prompts
 * share whole prefill chunks ({@link #sharedChunks}).
 *
 * @param perQueryHead {@code [layer][head]} mean attention mass on the needle, 0..1
 * @param kvHeads      kv-heads per layer
 * @param probes       number of probes measured
 */
public record RetrievalHeads(float[][] perQueryHead, int kvHeads, int probes) {
    static final String FILLER = " The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
    static final double[] DEPTHS = {0.2, 0.4, 0.6, 0.8};
    static final int[] KEYS = {71432, 50918, 36275, 84061};
    private static final Map<Model, RetrievalHeads> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * One probe: {@code tokens}, the needle at {@code [needleStart, needleEnd)} and the answer
     * from {@code answerStart} to the end.
     */
    public record Probe(int[] tokens, int needleStart, int needleEnd, int answerStart) {
        public Probe {
            if (!(0 <= needleStart && needleStart < needleEnd && needleEnd < answerStart && answerStart < tokens.length)) {
                throw new IllegalArgumentException("a probe needs needle < answer inside the tokens: needle "
                        + needleStart + ".." + needleEnd + ", answer from " + answerStart + " of " + tokens.length);
            }
        }
    }

    /** Scores per layer and kv-head: the highest of the kv-head's query heads. */
    public float[][] perKvHead() {
        int group = perQueryHead[0].length / kvHeads;
        float[][] out = new float[perQueryHead.length][kvHeads];
        for (int l = 0; l < out.length; l++) {
            for (int h = 0; h < perQueryHead[l].length; h++) {
                out[l][h / group] = Math.max(out[l][h / group], perQueryHead[l][h]);
            }
        }
        return out;
    }

    /** The model's scores on the pass-key probes, measured once per model and then remembered. */
    public static RetrievalHeads of(BackendFactory backend, Model model) {
        return of(backend, model, p -> { }, () -> false);
    }

    /** {@link #of(BackendFactory, Model)} with progress (0..1) and cancellation while measuring. */
    public static RetrievalHeads of(BackendFactory backend, Model model, DoubleConsumer progress,
                                    BooleanSupplier cancelled) {
        RetrievalHeads known = CACHE.get(model);
        if (known == null) {
            known = measure(backend, model, passKeyProbes(model), progress, cancelled);
            CACHE.put(model, known);
        }
        return known;
    }

    /**
     * Measures the scores on {@code probes}, reporting progress (0..1) after each.
     *
     * @throws java.util.concurrent.CancellationException once {@code cancelled} turns true
     */
    public static RetrievalHeads measure(BackendFactory backend, Model model, List<Probe> probes,
                                         DoubleConsumer progress, BooleanSupplier cancelled) {
        ModelConfig c = model.config();
        double[][] sum = new double[c.layers()][c.heads()];
        int longest = probes.stream().mapToInt(p -> p.tokens().length).max().orElse(1);
        try (InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(backend, longest))) {
            int[] previous = new int[0];
            for (int i = 0; i < probes.size(); i++) {
                if (cancelled.getAsBoolean()) {
                    throw new java.util.concurrent.CancellationException("head classification cancelled");
                }
                Probe p = probes.get(i);
                int shared = sharedChunks(previous, p, s.prefillChunk());
                s.truncate(shared);
                NeedleMass mass = new NeedleMass(c.layers(), c.heads(), p);
                s.addObserver(mass);
                s.prefill(Arrays.copyOfRange(p.tokens(), shared, p.tokens().length));
                s.removeObserver(mass);
                previous = p.tokens();
                int queries = p.tokens().length - p.answerStart();
                for (int l = 0; l < c.layers(); l++) {
                    for (int h = 0; h < c.heads(); h++) {
                        sum[l][h] += mass.mass[l][h] / queries;
                    }
                }
                progress.accept((i + 1.0) / probes.size());
            }
        }
        float[][] out = new float[c.layers()][c.heads()];
        for (int l = 0; l < out.length; l++) {
            for (int h = 0; h < out[l].length; h++) {
                out[l][h] = (float) (sum[l][h] / probes.size());
            }
        }
        return new RetrievalHeads(out, c.kvHeads(), probes.size());
    }

    /**
     * Tokens of {@code probe} whose cache entries the previous probe's prefill left as this probe's
     * own would be: whole prefill chunks of their common prefix before the first answer query. The
     * probes share their filler up to the first needle; the chunks after the shared ones start where
     * a prefill of the whole probe starts them, so every forward call, and the scores, stay the same.
     */
    static int sharedChunks(int[] previous, Probe probe, int chunk) {
        int[] t = probe.tokens();
        int limit = Math.min(Math.min(previous.length, t.length), probe.answerStart() - 1);
        int common = 0;
        while (common < limit && previous[common] == t[common]) {
            common++;
        }
        return common / chunk * chunk;
    }

    /**
     * Pass-key probes (the synthetic retrieval task DuoAttention calibrates on): filler
     * sentences, the needle "The pass key is K. Remember it. K is the pass key." at depths 0.2,
     * 0.4, 0.6 and 0.8, then "What is the pass key? The pass key is" and the answer " K". Each
     * probe is about half the model's context, at most 512 tokens.
     */
    public static List<Probe> passKeyProbes(Model model) {
        Tokenizer tok = model.tokenizer();
        int target = Math.min(512, model.config().contextLength() / 2);
        int[] filler = tok.encode(FILLER);
        List<Probe> out = new ArrayList<>();
        for (int i = 0; i < DEPTHS.length; i++) {
            int[] needle = tok.encode(" The pass key is " + KEYS[i] + ". Remember it. " + KEYS[i] + " is the pass key.");
            int[] question = tok.encode(" What is the pass key? The pass key is");
            int[] answer = tok.encode(" " + KEYS[i]);
            int hay = Math.max(2, target - needle.length - question.length - answer.length);
            int before = (int) Math.round(hay * DEPTHS[i]);
            int[] tokens = concat(repeat(filler, before), needle, repeat(filler, hay - before), question, answer);
            out.add(new Probe(tokens, before, before + needle.length, tokens.length - answer.length));
        }
        return out;
    }

    private static int[] repeat(int[] unit, int length) {
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = unit.length == 0 ? 0 : unit[i % unit.length];
        }
        return out;
    }

    private static int[] concat(int[]... parts) {
        int[] out = new int[Arrays.stream(parts).mapToInt(a -> a.length).sum()];
        int k = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }

    /**
     * Sums, per (layer, head), the weight the answer-producing queries (positions
     * {@code answerStart − 1 .. end − 2}) put on the needle; one array cell per head, no races.
     */
    private static final class NeedleMass implements AttentionObserver {
        final double[][] mass;
        private final Probe probe;

        NeedleMass(int layers, int heads, Probe probe) {
            this.mass = new double[layers][heads];
            this.probe = probe;
        }

        @Override
        public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
            if (q < probe.answerStart() - 1 || q > probe.tokens().length - 2) {
                return;
            }
            double m = 0;
            for (int s = 0; s < count; s++) {
                if (keys[s] >= probe.needleStart() && keys[s] < probe.needleEnd()) {
                    m += w[s];
                }
            }
            mass[layer][head] += m;
        }
    }
}
