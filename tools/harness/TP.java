import java.lang.reflect.Method;
public class TP {
  public static void main(String[] a) throws Exception {
    Class<?> c = Class.forName("org.kvscope.tensor.FloatTensor");
    Method t = c.getDeclaredMethod("transpose", float[].class, int.class, int.class, float[].class, int.class);
    t.setAccessible(true);
    int rows = 32, cols = 2048; float[] w = new float[rows*cols], wt = new float[rows*cols];
    for (int i=0;i<w.length;i++) w[i]=i;
    double[] res = new double[20];
    for (int rep=0; rep<20; rep++) {
      long t0=System.nanoTime();
      for (int i=0;i<2000;i++) t.invoke(null, w, rows, cols, wt, rows);
      res[rep] = 2000.0*rows*cols/((System.nanoTime()-t0)/1e9)/1e9;
    }
    java.util.Arrays.sort(res);
    System.out.printf("transpose: median %.2f G elements/s  check %f%n", res[10], wt[5*32+7]);
  }
}
