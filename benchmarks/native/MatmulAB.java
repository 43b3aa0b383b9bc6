import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.Random;
import org.kvscope.gguf.GGMLType;
import org.kvscope.tensor.FloatTensor;
import org.kvscope.tensor.Quantizer;

/**
 * FloatTensor.matmul alone, as prefill calls it: java MatmulAB LEVEL KERNELS TYPE ROWS COLS (LEVEL: the native
 * library's instruction set, 0 scalar, 1 AVX2, 2 AVX-512 VNNI; KERNELS: native or java), batch 256, the cores
 * of Parallel, wall time of 10 products after 5. Run by matmul-ab.sh.
 */
public class MatmulAB {
    public static void main(String[] a) throws Exception {
        int level = Integer.parseInt(a[0]);
        GGMLType type = GGMLType.valueOf(a[2]);
        int rows = Integer.parseInt(a[3]), cols = Integer.parseInt(a[4]), batch = 256;
        Class<?> nk = Class.forName("org.kvscope.tensor.NativeKernels");
        Method lim = nk.getDeclaredMethod("limitIsa", int.class);
        lim.setAccessible(true);
        lim.invoke(null, level);
        nk.getMethod("use", String.class).invoke(null, a[1]);
        Random r = new Random(1);
        float[] w = new float[rows * cols], x = new float[batch * cols], out = new float[batch * rows];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.02f;
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        FloatTensor t = FloatTensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, w)), (long) rows * cols);
        for (int i = 0; i < 5; i++) t.matmul(x, out, batch, rows, cols);
        long t0 = System.nanoTime();
        int n = 10;
        for (int i = 0; i < n; i++) t.matmul(x, out, batch, rows, cols);
        double ms = (System.nanoTime() - t0) / 1e6 / n;
        System.out.printf("%s level %d %s %dx%d batch %d: %.2f ms, %.1f GMAC/s (2 threads)%n", type, level, a[1], rows, cols, batch, ms,
                (double) rows * cols * batch / ms / 1e6);
    }
}
