import org.kvscope.model.*;
import org.kvscope.tensor.*;
import java.nio.file.Path;
import java.util.*;
public class MD {
  public static void main(String[] a) throws Exception {
    Model m = ModelLoader.load(Path.of(a[0]));
    ModelConfig c = m.config(); ModelWeights w = m.weights();
    int reps = Integer.parseInt(a.length > 1 ? a[1] : "10");
    List<Object[]> mats = Matrices.layers(w, c);
    mats.add(new Object[]{w.output(), c.vocabSize(), c.dim()});
    float[] x = new float[Math.max(c.ffnDim(), c.qDim())]; Random r = new Random(1);
    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
    float[] out = new float[c.vocabSize()];
    long bytes = w.bytesPerDecodedToken();
    for (int rep = 0; rep < reps; rep++) {
      long t0 = System.nanoTime();
      java.util.Map<String,long[]> per = new java.util.TreeMap<>();
      for (Object[] o : mats) { FloatTensor ft = (FloatTensor) o[0]; long s0 = System.nanoTime(); ft.matvec(x, 0, out, 0, (int) o[1], (int) o[2]); long[] e = per.computeIfAbsent(ft.type().toString(), k -> new long[2]); e[0] += System.nanoTime() - s0; e[1] += ft.type().byteSize(ft.size()); }
      if (rep == reps - 1) per.forEach((k, v) -> System.out.printf("  %s: %.1f ms, %.1f MB, %.1f GB/s%n", k, v[0]/1e6, v[1]/1e6, v[1]/(double)v[0]));
      long t = System.nanoTime() - t0;
      System.out.printf("matvec all: %.1f ms  %.1f GB/s%n", t / 1e6, bytes / (t / 1e9) / 1e9);
    }
  }
}
