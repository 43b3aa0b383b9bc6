import java.lang.management.ManagementFactory;
import jdk.incubator.vector.*;

/**
 * CPU time, one thread, of H2O's every-row sum over one 2,048-token prefill's rows on the SmolLM2-135M shape (270
 * heads), two ways: {@code per row}, as {@code AttentionEvidence.record} adds them now (a row inside a block of four
 * copied to offset 0, then a plain loop C2 vectorises), and {@code 4 fused}, a block's four rows added in one Vector
 * API pass, ((((acc + r0) + r1) + r2) + r3) per key (the same order of adds), reading and writing the sum once per
 * block. Timing only (random rows, every row the block's length). A lead for issue 15's H2O prefill, not used yet:
 * {@code java --add-modules jdk.incubator.vector scripts/BlockAddCost.java}
 */
public class BlockAddCost {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int N = 2048, STRIDE = 2056, HEADS = 270;
    public static void main(String[] a) {
        float[] block = new float[4 * STRIDE];
        for (int i = 0; i < block.length; i++) block[i] = (float) Math.random() * 1e-3f;
        float[][] accs = new float[HEADS][N];
        float[] scratch = new float[N];
        var bean = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 6; round++) {
            for (int mode = 0; mode < 2; mode++) {
                long t0 = bean.getCurrentThreadCpuTime();
                for (int h = 0; h < HEADS; h++) {
                    float[] acc = accs[h];
                    for (int q = 0; q + 4 <= N; q += 4) {
                        if (mode == 0) {
                            for (int j = 0; j < 4; j++) {
                                int n = q + j + 1;
                                float[] src = block;
                                if (j > 0) { System.arraycopy(block, j * STRIDE, scratch, 0, n); src = scratch; }
                                addTo(acc, src, n);
                            }
                        } else {
                            add4(acc, block, STRIDE, q + 4);
                        }
                    }
                }
                double ms = (bean.getCurrentThreadCpuTime() - t0) / 1e6;
                if (round >= 3) System.out.printf("round %d %s %.1f ms CPU%n", round, mode == 0 ? "per row " : "4 fused ", ms);
            }
        }
    }
    static void addTo(float[] s, float[] x, int n) { for (int k = 0; k < n; k++) s[k] += x[k]; }
    static void add4(float[] acc, float[] w, int rs, int n) {
        int k = 0, L = F.length();
        for (; k + L <= n; k += L) {
            FloatVector v = FloatVector.fromArray(F, acc, k);
            v = v.add(FloatVector.fromArray(F, w, k)).add(FloatVector.fromArray(F, w, rs + k))
                 .add(FloatVector.fromArray(F, w, 2 * rs + k)).add(FloatVector.fromArray(F, w, 3 * rs + k));
            v.intoArray(acc, k);
        }
        for (; k < n; k++) acc[k] = acc[k] + w[k] + w[rs + k] + w[2 * rs + k] + w[3 * rs + k];
    }
}
