import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.EvidenceCollector;

/**
 * CPU time, on one thread, of H2O's evidence over one prefill's attention rows on the SmolLM2-135M shape (30 layers,
 * 9 heads, 2,048 tokens, window 64: every row of every head added to its head's accumulated sum, about 566 M adds):
 * <ul>
 *   <li>{@code record}: {@link AttentionEvidence} through {@link EvidenceCollector}, each row at the offset the split
 *       prefill kernel hands it over (row j of a block of four at j × stride), one row a call;</li>
 *   <li>{@code block}: the same rows a block of four a call ({@code onAttentionBlock}, as the split prefill hands
 *       them over since h2o18): the rows before the window added in one pass per block;</li>
 *   <li>{@code recorded first}: each range of 128 rows first copied to one buffer and then handed over from it, as
 *       {@code OrderedRanges} does for a range that ran before its head's earlier ranges were delivered;</li>
 *   <li>{@code offset loop}: {@code acc[k] += w[wo + k]} on the same rows, the loop AttentionEvidence ran before
 *       h2o15 (C2 does not vectorise it: the two arrays may be one).</li>
 * </ul>
 * {@code java --add-modules jdk.incubator.vector -cp inference-core/target/classes scripts/EvidenceSumCost.java [ROUNDS]}:
 * the last three rounds of each.
 */
public class EvidenceSumCost {
    static final int LAYERS = 30, HEADS = 9, KV_HEADS = 3, N = 2048, WINDOW = 64, STRIDE = 2056, RANGE = 128;

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        int[] positions = new int[N];
        Arrays.setAll(positions, i -> i);
        float[] block = new float[4 * STRIDE];
        for (int i = 0; i < block.length; i++) {
            block[i] = (float) Math.random() * 1e-3f;
        }
        float[] parked = new float[RANGE * N];
        int[] offsets = new int[RANGE];
        int[] queries = new int[N];
        Arrays.setAll(queries, i -> i);
        var bean = ManagementFactory.getThreadMXBean();
        String[] modes = {"record", "block", "recorded first", "offset loop"};
        for (int round = 0; round < rounds; round++) {
            for (int mode = 0; mode < modes.length; mode++) {
                var evidence = new AttentionEvidence(LAYERS, HEADS, KV_HEADS, N, WINDOW, true);
                var collector = new EvidenceCollector(evidence);
                float[] acc = new float[N];
                long start = bean.getCurrentThreadCpuTime();
                for (int l = 0; l < LAYERS; l++) {
                    for (int h = 0; h < HEADS; h++) {
                        for (int q0 = 0; q0 < N; q0 += RANGE) {
                            if (mode == 1) {
                                for (int q = q0; q < q0 + RANGE; q += 4) {
                                    collector.onAttentionBlock(l, h, queries, q, 4, positions, block, 0, STRIDE, q + 1);
                                }
                                continue;
                            }
                            if (mode == 2) {
                                int used = 0;
                                for (int i = 0; i < RANGE; i++) {
                                    int q = q0 + i;
                                    System.arraycopy(block, (q & 3) * STRIDE, parked, used, q + 1);
                                    offsets[i] = used;
                                    used += q + 1;
                                }
                                for (int i = 0; i < RANGE; i++) {
                                    collector.onAttention(l, h, q0 + i, positions, parked, offsets[i], q0 + i + 1);
                                }
                                continue;
                            }
                            for (int q = q0; q < q0 + RANGE; q++) {
                                if (mode == 0) {
                                    collector.onAttention(l, h, q, positions, block, (q & 3) * STRIDE, q + 1);
                                } else {
                                    offsetLoop(acc, block, (q & 3) * STRIDE, q + 1);
                                }
                            }
                        }
                    }
                }
                double ms = (bean.getCurrentThreadCpuTime() - start) / 1e6;
                if (round >= rounds - 3) {
                    System.out.printf("round %d %-15s %7.1f ms CPU%n", round + 1, modes[mode], ms);
                }
            }
        }
    }

    private static void offsetLoop(float[] acc, float[] w, int wo, int n) {
        for (int k = 0; k < n; k++) {
            acc[k] += w[wo + k];
        }
    }
}
