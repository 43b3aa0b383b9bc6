package org.kvscope.backend.cpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelLoader;

/**
 * A 256-row prefill with the feed-forward block at once against in slices of hidden units (CpuForward.slicesFeedForward), the
 * two alternated in one JVM on the same mapped weights, ROUNDS timed rounds after two of warm-up (issue 17, rss19):
 * run by slices_timing.sh. Wall and CPU time (the process's, both cores) per forward. A third argument {@code tiles}
 * times instead the block in slices both ways, the Java kernels' weight tiles dequantized whole ("whole", main before
 * rss21) against in steps of 2,048 columns ("slices", FloatTensor.tileColumns; issue 17, rss21). With {@code chunks}, both in
 * slices, down's input whole ("whole", one chunk of ffn hidden units, main before rss22) against in chunks of 2,048
 * units with down's sums carried in its output ("slices", FloatTensor.downColumns; issue 17, rss22).
 */
public class SlicesTiming {
    public static void main(String[] a) throws Exception {
        int rounds = Integer.parseInt(a[1]);
        var bean = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (Model m = ModelLoader.load(Path.of(a[0]))) {
            ModelConfig c = m.config();
            boolean chunks = a.length > 2 && a[2].equals("chunks");
            boolean tiles = chunks || a.length > 2 && a[2].equals("tiles");
            var tileColumns = Class.forName("org.kvscope.tensor.FloatTensor").getDeclaredMethod(chunks ? "downColumns"
                    : "tileColumns", int.class);
            tileColumns.setAccessible(true);
            int steps = (int) tileColumns.invoke(null, 0);
            tileColumns.invoke(null, steps);
            CpuForward sliced = new CpuForward(c, m.weights());
            CpuForward whole = tiles ? new CpuForward(c, m.weights()) : new CpuForward(c, m.weights()).feedForwardFloats(1 << 30);
            System.out.printf("%s: %s%n", chunks ? "down's input" : "tiles", tiles ? "whole against " + (chunks ? "chunks of "
                    : "steps of ") + steps + " columns" : "steps of " + steps);
            System.out.printf("256 rows in slices: %b (the other: %b)%n", sliced.slicesFeedForward(256), whole.slicesFeedForward(256));
            int[] tokens = new SplittableRandom(1).ints(256, 0, c.vocabSize()).toArray();
            double[] ratios = new double[rounds], cpuRatios = new double[rounds];
            for (int r = -2; r < rounds; r++) {
                long[] t = new long[2], cpu = new long[2];
                for (int k = 0; k < 2; k++) {
                    CpuForward f = (r + k) % 2 == 0 ? whole : sliced;
                    KvCache cache = KvCacheType.F16.newCache(c.layers(), c.kvHeads(), c.headDim(), 256);
                    if (tiles) {
                        tileColumns.invoke(null, f == whole ? 0 : steps);
                    }
                    long c0 = bean.getProcessCpuTime(), t0 = System.nanoTime();
                    f.forward(tokens, 0, 256, 0, cache, null);
                    t[f == whole ? 0 : 1] = System.nanoTime() - t0;
                    cpu[f == whole ? 0 : 1] = bean.getProcessCpuTime() - c0;
                }
                if (r >= 0) {
                    ratios[r] = (double) t[0] / t[1];
                    cpuRatios[r] = (double) cpu[0] / cpu[1];
                }
                System.out.printf("round %d: whole %.1f ms (cpu %.1f), slices %.1f ms (cpu %.1f), whole/slices %.3f (cpu %.3f), load %s%n",
                        r, t[0] / 1e6, cpu[0] / 1e6, t[1] / 1e6, cpu[1] / 1e6, (double) t[0] / t[1], (double) cpu[0] / cpu[1],
                        Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            }
            Arrays.sort(ratios);
            Arrays.sort(cpuRatios);
            System.out.printf("prefill speed slices / whole per round: median %.3f (min %.3f, max %.3f); cpu %.3f (%.3f-%.3f), %d rounds%n",
                    ratios[rounds / 2], ratios[0], ratios[rounds - 1], cpuRatios[rounds / 2], cpuRatios[0], cpuRatios[rounds - 1], rounds);
        }
    }
}
