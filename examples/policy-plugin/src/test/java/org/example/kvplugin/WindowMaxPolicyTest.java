package org.example.kvplugin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.EvidenceCollector;

class WindowMaxPolicyTest {
    static final int LAYERS = 2, HEADS = 2, KV = 1, N = 30;

    @Test
    void isFoundThroughTheServiceLoaderLikeABuiltIn() {
        PolicyRegistry.Entry e = PolicyRegistry.entry(WindowMaxPolicy.NAME);
        assertEquals("example plugin: peak attention from the observation window", e.description());
    }

    @Test
    void declaresTheNamesTheWorkbenchShows() {
        List<String> shown = PolicyRegistry.entry(WindowMaxPolicy.NAME).parameters().stream()
                .map(org.kvscope.kv.ParameterSpec::displayName).toList();
        assertEquals(true, shown.contains("observation window α"), shown::toString);
    }

    @Test
    void keepsTheWindowAndThePeakAttendedPositions() {
        AttentionEvidence ev = new AttentionEvidence(LAYERS, HEADS, KV, N, 4);
        EvidenceCollector c = new EvidenceCollector(ev);
        Random r = new Random(5);
        int[] positions = new int[N];
        Arrays.setAll(positions, i -> i);
        float[][][] last = new float[LAYERS][HEADS][];
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                for (int q = 0; q < N; q++) {
                    float[] w = new float[q + 1];
                    for (int k = 0; k <= q; k++) {
                        w[k] = r.nextFloat() / (q + 1);
                    }
                    c.onAttention(l, h, q, positions, w, q + 1);
                    if (q >= N - 4) {
                        last[l][h] = last[l][h] == null ? w.clone() : max(last[l][h], w);
                    }
                }
            }
        }
        CompressionPolicy p = PolicyRegistry.create(WindowMaxPolicy.NAME, Map.of("budget", 10, "window", 4));
        KeptPositions kept = p.checkedSelectAfterPrefill(
                new CompressionPolicy.PrefillContext(LAYERS, HEADS, KV, N, 64, ev));
        for (int l = 0; l < LAYERS; l++) {
            // naive: the 6 best of positions 0..25 by max over heads and window rows, then the window
            List<Integer> candidates = new ArrayList<>();
            for (int k = 0; k < N - 4; k++) {
                candidates.add(k);
            }
            float[] a = last[l][0], b = last[l][1];
            int layer = l;
            candidates.sort((x, y) -> Float.compare(Math.max(b(a, y), b(b, y)), Math.max(b(a, x), b(b, x))));
            List<Integer> expected = new ArrayList<>(candidates.subList(0, 6));
            for (int k = N - 4; k < N; k++) {
                expected.add(k);
            }
            int[] want = expected.stream().sorted().mapToInt(Integer::intValue).toArray();
            assertArrayEquals(want, kept.of(layer, 0), "layer " + l);
        }
    }

    private static float b(float[] row, int k) { return k < row.length ? row[k] : 0f; }

    private static float[] max(float[] a, float[] b) {
        float[] out = Arrays.copyOf(b, Math.max(a.length, b.length));
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.max(out[i], a[i]);
        }
        return out;
    }
}
