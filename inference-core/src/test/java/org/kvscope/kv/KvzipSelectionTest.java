package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kvscope.trace.AttentionEvidence;

/**
 * KVzip's selection (the best key by a heap, then one pass per kv-head) keeps what its previous selection kept
 * (copied here: every pair's key in one array, sorted), on both scopes, with ties, zeros, a negative, −0 and NaN
 * among the scores, for budgets on both sides of the heap's eighth.
 */
class KvzipSelectionTest {
    static final int L = 4, H = 4, KV = 2, N = 700;

    /** The previous selection: one key per pair (score descending, then layer, head, position), the best marked. */
    static int[][][] previous(AttentionEvidence ev, int budget, int sinks, boolean global) {
        boolean[][][] keep = new boolean[L][KV][N];
        for (int from = 0; from < L; from = global ? L : from + 1) {
            int to = global ? L : from + 1, perHead = N - sinks;
            long[] order = new long[(to - from) * KV * perHead];
            int i = 0;
            for (int l = from; l < to; l++) {
                for (int h = 0; h < KV; h++) {
                    float[] s = ev.reconstruction(l, h);
                    for (int p = 0; p < sinks; p++) {
                        keep[l][h][p] = true;
                    }
                    for (int p = sinks; p < N; p++, i++) {
                        int bits = Float.floatToIntBits(Math.max(0f, s[p]) + 0f);
                        order[i] = ((long) (Integer.MAX_VALUE - bits) << 32) | i;
                    }
                }
            }
            Arrays.sort(order);
            int take = (int) Math.min((long) (to - from) * KV * (budget - sinks), order.length);
            for (int j = 0; j < take; j++) {
                int flat = (int) order[j], head = flat / perHead;
                keep[from + head / KV][head % KV][sinks + flat % perHead] = true;
            }
        }
        int[][][] out = new int[L][KV][];
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                int[] kept = new int[N];
                int k = 0;
                for (int p = 0; p < N; p++) {
                    if (keep[l][h][p]) {
                        kept[k++] = p;
                    }
                }
                out[l][h] = Arrays.copyOf(kept, k);
            }
        }
        return out;
    }

    static AttentionEvidence evidence(long seed) {
        AttentionEvidence ev = new AttentionEvidence(L, H, KV, N, 1, false);
        Random r = new Random(seed);
        float[] specials = {0f, -0f, -0.25f, Float.NaN, 1f};
        float[][] s = new float[L * KV][N];
        for (float[] row : s) {
            for (int p = 0; p < N; p++) {
                row[p] = switch (r.nextInt(seed % 2 == 0 ? 50 : 4)) {
                    case 0 -> specials[r.nextInt(specials.length)];
                    case 1 -> r.nextInt(8) / 8f; // ties
                    default -> (float) Math.pow(r.nextDouble(), 4);
                };
            }
        }
        ev.setReconstruction(s);
        return ev;
    }

    @Test
    void keepsWhatThePreviousSelectionKept() {
        for (long seed = 1; seed <= 4; seed++) {
            AttentionEvidence ev = evidence(seed);
            var ctx = new CompressionPolicy.PrefillContext(L, H, KV, N, N + 16, ev);
            for (String scope : new String[] {"global", "layer"}) {
                for (int sinks : new int[] {0, 4}) {
                    for (int budget : new int[] {sinks + 1, 16, 64, 300, 699}) {
                        KeptPositions got = PolicyRegistry.create("kvzip", Map.of("budget", budget, "sinks", sinks,
                                "scope", scope)).checkedSelectAfterPrefill(ctx);
                        int[][][] want = previous(ev, budget, sinks, scope.equals("global"));
                        for (int l = 0; l < L; l++) {
                            for (int h = 0; h < KV; h++) {
                                assertArrayEquals(want[l][h], got.of(l, h), "seed " + seed + " " + scope + " sinks "
                                        + sinks + " budget " + budget + " layer " + l + " head " + h);
                            }
                        }
                    }
                }
            }
        }
    }
}
