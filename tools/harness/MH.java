import java.lang.foreign.*;
import java.nio.ByteOrder;
import jdk.incubator.vector.*;
import static jdk.incubator.vector.VectorOperators.*;
import org.kvscope.tensor.*;
import org.kvscope.gguf.GGMLType;
public class MH {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  static MemorySegment m;
  // halves -> floats by shift + select + multiply by 2^112 (exact for normals and subnormals; inf/nan flagged)
  static FloatVector conv(long off) {
    IntVector v = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
    IntVector bits = v.lanewise(LSHL, 13).and(0x0FFFE000).or(v.and(0x80000000));
    return bits.reinterpretAsFloats().mul(0x1p112f);
  }
  static float dotV(long off, float[] x, int n) {
    FloatVector a0=FloatVector.zero(F), a1=a0;
    for (int i=0;i<n;i+=32, off+=64) {
      a0 = conv(off).fma(FloatVector.fromArray(F, x, i), a0);
      a1 = conv(off+32).fma(FloatVector.fromArray(F, x, i+16), a1);
    }
    return a0.add(a1).reduceLanes(ADD);
  }

  static FloatVector convExact(IntVector h) {
    IntVector magnitude = h.and(0x7fff);
    IntVector normal = magnitude.lanewise(LSHL, 13).add(0x38000000);
    IntVector special = normal.add(0x38000000);
    IntVector bits = normal.blend(special, magnitude.compare(GE, 0x7c00));
    FloatVector subnormal = ((FloatVector) magnitude.convert(I2F, 0)).mul(0x1p-24f);
    IntVector value = bits.blend(subnormal.reinterpretAsInts(), magnitude.compare(LT, 0x400));
    return value.or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats();
  }
  static FloatVector conv2(long off) {
    IntVector v = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
    if (v.add(0x400).and(0x7c00).compare(LT, 0x800).anyTrue()) return convExact(v);
    return v.lanewise(LSHL, 13).and(0x0FFFE000).add(0x38000000).or(v.and(0x80000000)).reinterpretAsFloats();
  }
  static float dotW(long off, float[] x, int n) {
    FloatVector a0=FloatVector.zero(F), a1=a0;
    for (int i=0;i<n;i+=32, off+=64) {
      a0 = conv2(off).fma(FloatVector.fromArray(F, x, i), a0);
      a1 = conv2(off+32).fma(FloatVector.fromArray(F, x, i+16), a1);
    }
    return a0.add(a1).reduceLanes(ADD);
  }

  static float dotX(long off, float[] x, int n) {
    FloatVector a0=FloatVector.zero(F), a1=a0;
    IntVector lo = IntVector.broadcast(IntVector.SPECIES_512, 0x7c00);
    for (int i=0;i<n;i+=32, off+=64) {
      IntVector v = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector u = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off+32, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      lo = lo.min(v.add(0x400).and(0x7c00)).min(u.add(0x400).and(0x7c00));
      FloatVector fv = v.lanewise(LSHL, 13).and(0x0FFFE000).add(0x38000000).or(v.and(0x80000000)).reinterpretAsFloats();
      FloatVector fu = u.lanewise(LSHL, 13).and(0x0FFFE000).add(0x38000000).or(u.and(0x80000000)).reinterpretAsFloats();
      a0 = fv.fma(FloatVector.fromArray(F, x, i), a0);
      a1 = fu.fma(FloatVector.fromArray(F, x, i+16), a1);
    }
    if (lo.reduceLanes(MIN) < 0x800) return dotV(off - n*2L, x, n) + 1000f; // marker: slow path
    return a0.add(a1).reduceLanes(ADD);
  }

  static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
  // exact for all finite halves, no float arithmetic on subnormals
  static float dotY(long off, float[] x, int n) {
    FloatVector a0=FloatVector.zero(F), a1=a0;
    IntVector top = IntVector.zero(I16);
    for (int i=0;i<n;i+=32, off+=64) {
      IntVector v = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, I16, 0);
      IntVector u = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off+32, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, I16, 0);
      IntVector mv = v.lanewise(LSHL, 13).and(0x0FFFE000), mu = u.lanewise(LSHL, 13).and(0x0FFFE000);
      top = top.max(mv).max(mu);
      VectorMask<Integer> zv = mv.compare(LT, 0x00800000), zu = mu.compare(LT, 0x00800000);
      FloatVector fv = mv.add(0x38000000).add(0x00800000, zv).reinterpretAsFloats().sub(0x1p-14f, zv.cast(F));
      FloatVector fu = mu.add(0x38000000).add(0x00800000, zu).reinterpretAsFloats().sub(0x1p-14f, zu.cast(F));
      fv = fv.reinterpretAsInts().or(v.and(0x80000000)).reinterpretAsFloats();
      fu = fu.reinterpretAsInts().or(u.and(0x80000000)).reinterpretAsFloats();
      a0 = fv.fma(FloatVector.fromArray(F, x, i), a0);
      a1 = fu.fma(FloatVector.fromArray(F, x, i+16), a1);
    }
    if (top.reduceLanes(MAX) >= 0x0F800000) return Float.NaN;
    return a0.add(a1).reduceLanes(ADD);
  }
  // multiply trick with sign included and inf check
  static float dotZ(long off, float[] x, int n) {
    FloatVector a0=FloatVector.zero(F), a1=a0, big = a0;
    for (int i=0;i<n;i+=32, off+=64) {
      IntVector v = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, I16, 0);
      IntVector u = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off+32, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, I16, 0);
      FloatVector fv = v.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
      FloatVector fu = u.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
      big = big.max(fv.abs()).max(fu.abs());
      a0 = fv.fma(FloatVector.fromArray(F, x, i), a0);
      a1 = fu.fma(FloatVector.fromArray(F, x, i+16), a1);
    }
    if (big.reduceLanes(MAX) >= 65536f) return Float.NaN;
    return a0.add(a1).reduceLanes(ADD);
  }

  // exploratory: no subnormal fix-up, no inf check (upper bound for a kernel that corrects exceptions afterwards)
  static float dotN(long off, float[] x, int n) {
    FloatVector a0=FloatVector.zero(F), a1=a0;
    for (int i=0;i<n;i+=32, off+=64) {
      IntVector v = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, I16, 0);
      IntVector u = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, off+32, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, I16, 0);
      FloatVector fv = v.lanewise(LSHL, 13).and(0x0FFFE000).add(0x38000000).or(v.and(0x80000000)).reinterpretAsFloats();
      FloatVector fu = u.lanewise(LSHL, 13).and(0x0FFFE000).add(0x38000000).or(u.and(0x80000000)).reinterpretAsFloats();
      a0 = fv.fma(FloatVector.fromArray(F, x, i), a0);
      a1 = fu.fma(FloatVector.fromArray(F, x, i+16), a1);
    }
    return a0.add(a1).reduceLanes(ADD);
  }
  static void mix(String[] names, long rows, int cols, float[] x, FloatTensor t) {
    int rounds = 41; double[][] gb = new double[names.length][rounds]; long bytes = rows*cols*2;
    int passes = (int) Math.max(1, (64L<<20) / bytes); float sink = 0;
    for (int round=-10; round<rounds; round++) for (int v=0; v<names.length; v++) {
      float s=0; long t0=System.nanoTime();
      for (int pp=0; pp<passes; pp++) for (long row=0; row<rows; row++) {
        s += switch (names[v]) { case "N"->dotN(row*cols*2, x, cols); case "Y"->dotY(row*cols*2, x, cols); default->t.dot(row*cols, x, 0, cols); }; }
      if (round>=0) gb[v][round] = bytes*(double)passes/(System.nanoTime()-t0);
      sink += s;
    }
    for (int v=0; v<names.length; v++) { java.util.Arrays.sort(gb[v]); System.out.printf("%s median %.2f GB/s (q1 %.2f q3 %.2f)%n", names[v], gb[v][rounds/2], gb[v][rounds/4], gb[v][3*rounds/4]); }
    if (sink == 42) System.out.print("");
  }

  public static void main(String[] a) throws Exception {
    long rows = Long.parseLong(a[1]); int cols = 2048; long passes = Math.max(1, 8192L*4/rows);
    long bytes = rows*cols*2;
    m = Arena.ofShared().allocate(bytes, 64);
    java.util.Random r = new java.util.Random(1);
    for (long i=0;i<bytes;i+=2) m.set(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16((float) r.nextGaussian()*(a.length>2?Float.parseFloat(a[2]):1f)));
    FloatTensor t = FloatTensor.of(GGMLType.F16, m, rows*cols);
    float[] x = new float[cols]; for (int i=0;i<cols;i++) x[i]=(float) r.nextGaussian();
    if (a[0].contains(",")) { mix(a[0].split(","), rows, cols, x, t); return; }
    System.out.println("check " + t.dot(5*cols, x, 0, cols) + " vs " + dotV(5*cols*2, x, cols) + " Y " + dotY(5*cols*2, x, cols) + " Z " + dotZ(5*cols*2, x, cols));
    for (int rep=0; rep<15; rep++) {
      long t0=System.nanoTime(); float s=0;
      if (a[0].equals("Y")) { for (long p=0;p<passes;p++) for (long row=0; row<rows; row++) s += dotY(row*cols*2, x, cols); } else if (a[0].equals("Z")) { for (long p=0;p<passes;p++) for (long row=0; row<rows; row++) s += dotZ(row*cols*2, x, cols); } else if (a[0].equals("X")) { for (long p=0;p<passes;p++) for (long row=0; row<rows; row++) s += dotX(row*cols*2, x, cols); } else if (a[0].equals("W")) { for (long p=0;p<passes;p++) for (long row=0; row<rows; row++) s += dotW(row*cols*2, x, cols); } else if (a[0].equals("V")) { for (long p=0;p<passes;p++) for (long row=0; row<rows; row++) s += dotV(row*cols*2, x, cols); }
      else { for (long p=0;p<passes;p++) for (long row=0; row<rows; row++) s += t.dot(row*cols, x, 0, cols); }
      double gb = bytes*passes/(double)(System.nanoTime()-t0);
      if (rep>=11) System.out.printf("%s rows %d: %.1f GB/s %f%n", a[0], rows, gb, s);
    }
  }
}
