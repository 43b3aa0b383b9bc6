import java.lang.foreign.*;
import org.kvscope.tensor.*;
import org.kvscope.gguf.GGMLType;
public class MT {
  public static void main(String[] a) throws Exception {
    int rows = 4096, cols = 2048;
    java.util.Random r = new java.util.Random(1);
    float[] w = new float[rows*cols]; for (int i=0;i<w.length;i++) w[i]=(float) r.nextGaussian()*0.02f;
    float[] x = new float[cols]; for (int i=0;i<cols;i++) x[i]=(float) r.nextGaussian();
    float[] out = new float[rows];
    for (String tn : a) {
      GGMLType type = GGMLType.valueOf(tn);
      byte[] q = Quantizer.quantize(type, w);
      MemorySegment m = Arena.ofShared().allocate(q.length, 64); MemorySegment.copy(MemorySegment.ofArray(q), 0, m, 0, q.length);
      FloatTensor t = FloatTensor.of(type, m, (long) rows*cols);
      double best = 0; double[] all = new double[30];
      for (int rep=0; rep<30; rep++) {
        long t0=System.nanoTime();
        for (int p=0;p<4;p++) t.matvec(x, out, rows, cols);
        all[rep] = 4.0*rows*cols/((System.nanoTime()-t0)/1e9)/1e9;
      }
      java.util.Arrays.sort(all);
      System.out.printf("%s matvec: median %.2f Gvalues/s (%.1f GB/s)%n", type, all[15], all[15]*q.length/((double)rows*cols));
    }
  }
}
