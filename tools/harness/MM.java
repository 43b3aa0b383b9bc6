import org.kvscope.model.*;
import org.kvscope.tensor.*;
import java.nio.file.Path;
import java.util.*;
public class MM {
  public static void main(String[] a) throws Exception {
    Model m = ModelLoader.load(Path.of(a[0]));
    ModelConfig c = m.config(); ModelWeights w = m.weights();
    int reps = Integer.parseInt(a.length > 1 ? a[1] : "4"); int B = Integer.getInteger("B", 256);
    List<Object[]> mats = Matrices.layers(w, c);
    float[] x = new float[B * Math.max(c.ffnDim(), c.qDim())]; Random r = new Random(1);
    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
    float[] out = new float[B * c.ffnDim()];
    double flops = 0; for (Object[] o : mats) flops += 2.0 * B * (int) o[1] * (int) o[2];
    for (int rep = 0; rep < reps; rep++) {
      long t0 = System.nanoTime();
      for (Object[] o : mats) ((FloatTensor) o[0]).matmul(x, out, B, (int) o[1], (int) o[2]);
      long t = System.nanoTime() - t0;
      System.out.printf("matmul all (B=256, no lm head): %.0f ms  %.1f GFLOP/s  %.1f tok/s%n", t / 1e6, flops / t, B / (t / 1e9));
    }
  }
}
