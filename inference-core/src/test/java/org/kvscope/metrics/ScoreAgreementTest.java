package org.kvscope.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.engine.CaptureRun;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.kv.PositionScorer;
import org.kvscope.kv.ScoredPolicy;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.CaptureOptions;

/** Spearman and top-k overlap against naive definitions, and on policies' scores from a capture. */
class ScoreAgreementTest {
    @TempDir
    Path dir;

    /** Rank = 1 + #smaller + (#equal − 1) / 2, then Pearson's formula on the ranks. */
    static double naiveSpearman(float[] x, float[] y) {
        int n = x.length;
        double[] rx = new double[n], ry = new double[n];
        for (int i = 0; i < n; i++) {
            int lx = 0, ex = 0, ly = 0, ey = 0;
            for (int j = 0; j < n; j++) {
                lx += x[j] < x[i] ? 1 : 0;
                ex += x[j] == x[i] ? 1 : 0;
                ly += y[j] < y[i] ? 1 : 0;
                ey += y[j] == y[i] ? 1 : 0;
            }
            rx[i] = 1 + lx + (ex - 1) / 2.0;
            ry[i] = 1 + ly + (ey - 1) / 2.0;
        }
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += rx[i] / n;
            my += ry[i] / n;
        }
        double num = 0, dx = 0, dy = 0;
        for (int i = 0; i < n; i++) {
            num += (rx[i] - mx) * (ry[i] - my);
            dx += (rx[i] - mx) * (rx[i] - mx);
            dy += (ry[i] - my) * (ry[i] - my);
        }
        return num / Math.sqrt(dx * dy);
    }

    /** k times: the highest not yet taken, the earliest on ties. */
    static boolean[] naiveTop(float[] v, int k) {
        boolean[] taken = new boolean[v.length];
        for (int t = 0; t < k; t++) {
            int best = -1;
            for (int i = 0; i < v.length; i++) {
                if (!taken[i] && (best < 0 || v[i] > v[best])) {
                    best = i;
                }
            }
            taken[best] = true;
        }
        return taken;
    }

    @Test
    void matchesTheNaiveDefinitionsWithAndWithoutTies() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + rnd.nextInt(60);
            int levels = trial % 2 == 0 ? 4 : 1 << 20; // many ties, then almost none
            float[] x = new float[n], y = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = rnd.nextInt(levels) / (float) levels;
                y[i] = trial % 3 == 0 ? x[i] * 2 + rnd.nextInt(2) : rnd.nextInt(levels) / (float) levels;
            }
            double expected = naiveSpearman(x, y);
            double actual = ScoreAgreement.spearman(x, y);
            if (Double.isNaN(expected)) {
                assertTrue(Double.isNaN(actual), "trial " + trial);
            } else {
                assertEquals(expected, actual, 1e-9, "trial " + trial);
            }
            int k = 1 + rnd.nextInt(n);
            boolean[] tx = naiveTop(x, k), ty = naiveTop(y, k);
            int shared = 0;
            for (int i = 0; i < n; i++) {
                shared += tx[i] && ty[i] ? 1 : 0;
            }
            assertEquals((double) shared / k, ScoreAgreement.topKOverlap(x, y, k), 1e-12, "trial " + trial);
        }
        assertEquals(1.0, ScoreAgreement.spearman(new float[] {1, 2, 3}, new float[] {10, 20, 30}), 1e-12);
        assertEquals(-1.0, ScoreAgreement.spearman(new float[] {1, 2, 3}, new float[] {3, 2, 1}), 1e-12);
    }

    /** A 48-token prompt of random ids. */
    private static final int[] PROMPT = new SplittableRandom(9).ints(48, 0, ModelShape.TINY_LLAMA.vocab).toArray();

    private Model tinyModel() throws java.io.IOException {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 5);
        return ModelLoader.load(file);
    }

    @Test
    void policiesOnOneCapture() throws Exception {
        try (Model model = tinyModel()) {
            int[] prompt = PROMPT.clone();
            AttentionEvidence ev = CaptureRun.run(model, prompt, new CaptureOptions(16, 16, 4, 0)).capture().evidence();
            var ctx = new CompressionPolicy.PrefillContext(ev.layers(), ev.heads(), ev.kvHeads(), prompt.length, 128, ev);
            ScoredPolicy snap = (ScoredPolicy) PolicyRegistry.create("snapkv", Map.of("budget", 16, "window", 8));
            ScoredPolicy pyramid = (ScoredPolicy) PolicyRegistry.create("pyramidkv", Map.of("budget", 16, "window", 8));
            ScoreAgreement same = ScoreAgreement.of(ctx, snap, pyramid, 16);
            assertEquals(1.0, same.meanSpearman(), 1e-9, "PyramidKV scores as SnapKV does");
            assertEquals(1.0, same.meanTopKOverlap(), 1e-12);
            assertEquals(40, same.positions(), "the 8-token window is left out");

            ScoredPolicy h2o = (ScoredPolicy) PolicyRegistry.create("h2o", Map.of("budget", 16, "recent", 4));
            ScoreAgreement diff = ScoreAgreement.of(ctx, snap, h2o, 12);
            assertEquals(0, diff.first());
            assertEquals(40, diff.positions(), "the wider of the two windows");
            for (int l = 0; l < diff.layers(); l++) {
                for (int h = 0; h < ev.kvHeads(); h++) {
                    float[] a = java.util.Arrays.copyOfRange(snap.positionScores(ctx, l, h), 0, 40);
                    float[] b = java.util.Arrays.copyOfRange(h2o.positionScores(ctx, l, h), 0, 40);
                    assertEquals(naiveSpearman(a, b), diff.spearman()[l][h], 1e-9);
                }
                assertTrue(diff.topKOverlap(l) >= 0 && diff.topKOverlap(l) <= 1);
            }
            var tooShort = new CompressionPolicy.PrefillContext(ev.layers(), ev.heads(), ev.kvHeads(), 9, 128, ev);
            var e = assertThrows(IllegalArgumentException.class, () -> ScoreAgreement.of(tooShort, snap, h2o, 4));
            assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        }
    }

    /**
     * KVzip's scores are the reconstruction pass's (so score agreement can compare it like any
     * other): its position scores are exactly the evidence's reconstruction scores, the positions
     * compared start after its 4 sinks, and every value is the naive Spearman of those raw arrays.
     */
    @Test
    void kvzipIsComparedByItsReconstructionScores() throws Exception {
        try (Model model = tinyModel()) {
            int[] prompt = PROMPT.clone();
            AttentionEvidence ev = CaptureRun.run(org.kvscope.backend.Backends.cpu(), model, prompt,
                    new CaptureOptions(16, 16, 4, 0), p -> { }, () -> false, prompt.length, null, true).capture().evidence();
            var ctx = new CompressionPolicy.PrefillContext(ev.layers(), ev.heads(), ev.kvHeads(), prompt.length, 128, ev);
            PositionScorer kvzip = (PositionScorer) PolicyRegistry.create("kvzip", Map.of("budget", 16));
            PositionScorer snap = (PositionScorer) PolicyRegistry.create("snapkv", Map.of("budget", 16, "window", 8));
            ScoreAgreement a = ScoreAgreement.of(ctx, kvzip, snap, 12);
            assertEquals(4, a.first(), "kvzip's sinks are left out");
            assertEquals(48 - 4 - 8, a.positions(), "and snapkv's window");
            for (int l = 0; l < ev.layers(); l++) {
                for (int h = 0; h < ev.kvHeads(); h++) {
                    float[] raw = ev.reconstruction(l, h);
                    assertTrue(java.util.Arrays.equals(raw, kvzip.positionScores(ctx, l, h)));
                    float[] x = java.util.Arrays.copyOfRange(raw, 4, 40);
                    float[] y = java.util.Arrays.copyOfRange(snap.positionScores(ctx, l, h), 4, 40);
                    assertEquals(naiveSpearman(x, y), a.spearman()[l][h], 1e-9);
                    boolean[] tx = naiveTop(x, 12), ty = naiveTop(y, 12);
                    int shared = 0;
                    for (int i = 0; i < x.length; i++) {
                        shared += tx[i] && ty[i] ? 1 : 0;
                    }
                    assertEquals(shared / 12.0, a.topKOverlap()[l][h], 1e-12);
                }
            }
            PositionScorer layerScope = (PositionScorer) PolicyRegistry.create("kvzip", Map.of("budget", 16, "scope", "layer"));
            assertEquals(1.0, ScoreAgreement.of(ctx, kvzip, layerScope, 12).meanSpearman(), 1e-9,
                    "the scope changes the selection, not the scores");
            AttentionEvidence plain = CaptureRun.run(model, prompt, new CaptureOptions(16, 16, 4, 0)).capture().evidence();
            var without = new CompressionPolicy.PrefillContext(ev.layers(), ev.heads(), ev.kvHeads(), prompt.length, 128,
                    plain);
            var e = assertThrows(IllegalStateException.class, () -> ScoreAgreement.of(without, kvzip, snap, 12));
            assertTrue(e.getMessage().contains("reconstruction"), e.getMessage());
        }
    }
}
