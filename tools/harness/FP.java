import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's fused multiply-add peak through the Vector API: FP THREADS. Each thread runs
 * twelve independent FMA chains on registers (no memory), six passes; prints GFLOP/s. Prefill's
 * ceiling is this divided by the model's FLOPs per token (2 × weight count).
 */
public class FP {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static float chains(long n) {
    FloatVector m = FloatVector.broadcast(F, 0.9999f), c = FloatVector.broadcast(F, 0.0001f);
    FloatVector a0 = FloatVector.broadcast(F, 1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    for (long i = 0; i < n; i++) {
      a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c); a4 = a4.fma(m, c); a5 = a5.fma(m, c);
      a6 = a6.fma(m, c); a7 = a7.fma(m, c); a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
        .reduceLanes(VectorOperators.ADD);
  }
  public static void main(String[] x) throws Exception {
    int threads = Integer.parseInt(x[0]);
    long n = 200_000_000L;
    for (int rep = 0; rep < 6; rep++) {
      Thread[] th = new Thread[threads];
      float[] sink = new float[threads];
      long t0 = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        int tt = t;
        th[t] = new Thread(() -> sink[tt] = chains(n));
        th[t].start();
      }
      for (Thread t : th) t.join();
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("threads %d, %d-lane vectors: %.1f GFLOP/s%n", threads, F.length(),
          threads * n * 12.0 * 2 * F.length() / seconds / 1e9);
    }
  }
}
