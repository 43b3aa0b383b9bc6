import java.lang.foreign.*;
import java.nio.ByteOrder;
import jdk.incubator.vector.*;
import static jdk.incubator.vector.VectorOperators.*;
public class MK {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  static final ValueLayout.OfShort SH = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final int BLOCK=32, BYTES=34;
  static MemorySegment m;
  static float f16(long o){ return Float.float16ToFloat(m.get(SH,o)); }
  static float kA(long block, float[] x, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      ByteVector q0 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN);
      ByteVector q1 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN);
      FloatVector s0 = ((FloatVector) q0.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, j));
      FloatVector s1 = ((FloatVector) q1.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, j+32));
      s0 = ((FloatVector) q0.convertShape(B2F, F, 1)).fma(FloatVector.fromArray(F, x, j+16), s0);
      s1 = ((FloatVector) q1.convertShape(B2F, F, 1)).fma(FloatVector.fromArray(F, x, j+48), s1);
      acc0 = s0.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = s1.fma(FloatVector.broadcast(F, f16(block+BYTES)), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  static float kB(long block, float[] x, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      FloatVector s0 = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, j));
      FloatVector s1 = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN).convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, j+32));
      s0 = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block+18, ByteOrder.LITTLE_ENDIAN).convertShape(B2F, F, 0)).fma(FloatVector.fromArray(F, x, j+16), s0);
      s1 = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block+BYTES+18, ByteOrder.LITTLE_ENDIAN).convertShape(B2F, F, 0)).fma(FloatVector.fromArray(F, x, j+48), s1);
      acc0 = s0.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = s1.fma(FloatVector.broadcast(F, f16(block+BYTES)), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  // 16-lane permuted: load 32 bytes as 8 ints twice? use IntVector 256 -> convert to 512? Instead: 2 blocks -> shorts
  // kC: load block quants as ShortVector 256 (16 shorts), split low/high bytes by shifts; x permuted: xp[16k+i] = x[2i+k]
  static float kC(long block, float[] xp, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=BLOCK, block+=BYTES) {
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      FloatVector q0 = (FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0);
      FloatVector q1 = (FloatVector) q.lanewise(ASHR, 8).convert(I2F, 0);
      FloatVector s = q0.mul(FloatVector.fromArray(F, xp, j)).add(q1.mul(FloatVector.fromArray(F, xp, j+16)));
      if ((j & 32) == 0) acc0 = s.fma(FloatVector.broadcast(F, f16(block)), acc0); else acc1 = s.fma(FloatVector.broadcast(F, f16(block)), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  // kD: 2 blocks unrolled of kC
  static float kD(long block, float[] xp, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector p = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      FloatVector s = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromArray(F, xp, j));
      FloatVector t = ((FloatVector) p.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromArray(F, xp, j+32));
      s = ((FloatVector) q.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+16), s);
      t = ((FloatVector) p.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+48), t);
      acc0 = s.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = t.fma(FloatVector.broadcast(F, f16(block+BYTES)), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  // kE: 8-lane permuted (current AVX2 path) for reference, on 256
  static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
  static float kE(long block, float[] xp, int n) {
    FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
    for (int j = 0; j < n; j += BLOCK, block += BYTES) {
      IntVector q = IntVector.fromMemorySegment(IntVector.SPECIES_256, m, block + 2, ByteOrder.LITTLE_ENDIAN);
      FloatVector d = FloatVector.broadcast(F8, f16(block));
      FloatVector q0 = (FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0);
      FloatVector q1 = (FloatVector) q.lanewise(LSHL, 16).lanewise(ASHR, 24).convert(I2F, 0);
      FloatVector s = q0.mul(FloatVector.fromArray(F8, xp, j)).add(q1.mul(FloatVector.fromArray(F8, xp, j + 8)));
      acc0 = s.fma(d, acc0);
      FloatVector q2 = (FloatVector) q.lanewise(LSHL, 8).lanewise(ASHR, 24).convert(I2F, 0);
      FloatVector q3 = (FloatVector) q.lanewise(ASHR, 24).convert(I2F, 0);
      FloatVector t = q2.mul(FloatVector.fromArray(F8, xp, j + 16)).add(q3.mul(FloatVector.fromArray(F8, xp, j + 24)));
      acc1 = t.fma(d, acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }

  static float kF(long block, float[] x, int xo, int n) {
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    int j = 0;
    for (; j + 4 * BLOCK <= n; j += 4 * BLOCK, block += 4 * BYTES) {
      int xj = xo + j;
      ByteVector q0 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + 2, ByteOrder.LITTLE_ENDIAN);
      ByteVector q1 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + BYTES + 2, ByteOrder.LITTLE_ENDIAN);
      ByteVector q2 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + 2 * BYTES + 2, ByteOrder.LITTLE_ENDIAN);
      ByteVector q3 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + 3 * BYTES + 2, ByteOrder.LITTLE_ENDIAN);
      FloatVector s0 = ((FloatVector) q0.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xj));
      FloatVector s1 = ((FloatVector) q1.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xj + 32));
      FloatVector s2 = ((FloatVector) q2.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xj + 64));
      FloatVector s3 = ((FloatVector) q3.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xj + 96));
      s0 = ((FloatVector) q0.convertShape(B2F, F, 1)).fma(FloatVector.fromArray(F, x, xj + 16), s0);
      s1 = ((FloatVector) q1.convertShape(B2F, F, 1)).fma(FloatVector.fromArray(F, x, xj + 48), s1);
      s2 = ((FloatVector) q2.convertShape(B2F, F, 1)).fma(FloatVector.fromArray(F, x, xj + 80), s2);
      s3 = ((FloatVector) q3.convertShape(B2F, F, 1)).fma(FloatVector.fromArray(F, x, xj + 112), s3);
      acc0 = s0.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = s1.fma(FloatVector.broadcast(F, f16(block + BYTES)), acc1);
      acc2 = s2.fma(FloatVector.broadcast(F, f16(block + 2 * BYTES)), acc2);
      acc3 = s3.fma(FloatVector.broadcast(F, f16(block + 3 * BYTES)), acc3);
    }
    return acc0.add(acc2).add(acc1.add(acc3)).reduceLanes(ADD);
  }

  static float sink2;
  static float kD2(long block, long block2, float[] xp, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=BLOCK, block+=BYTES, block2+=BYTES) {
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector p = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block2+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      FloatVector x0 = FloatVector.fromArray(F, xp, j), x1 = FloatVector.fromArray(F, xp, j+16);
      FloatVector s = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(x0);
      FloatVector t = ((FloatVector) p.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(x0);
      s = ((FloatVector) q.lanewise(ASHR, 8).convert(I2F, 0)).fma(x1, s);
      t = ((FloatVector) p.lanewise(ASHR, 8).convert(I2F, 0)).fma(x1, t);
      acc0 = s.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = t.fma(FloatVector.broadcast(F, f16(block2)), acc1);
    }
    sink2 += acc1.reduceLanes(ADD);
    return acc0.reduceLanes(ADD);
  }
  public static void main(String[] a) throws Exception {
    int cols = 2048; long rows = a.length>2 ? Long.parseLong(a[2]) : 8192*4; long passes = 8192*4/rows; long size = rows*cols/32*34;
    m = Arena.ofShared().allocate(size, 64);
    java.util.Random r = new java.util.Random(1);
    for (long i=0;i<size;i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
    for (long b=0;b<size;b+=34) m.set(SH, b, Float.floatToFloat16(0.01f));
    float[] x = new float[cols]; for (int i=0;i<cols;i++) x[i]=(float) r.nextGaussian();
    String k = a[0]; int T = Integer.parseInt(a[1]);
    long rowBytes = cols/32*34;
    for (int rep=0; rep<15; rep++) {
      long t0=System.nanoTime(); Thread[] th = new Thread[T]; float[] sink = new float[T];
      for (int t=0;t<T;t++){ int tt=t; th[t]=new Thread(()->{ float s=0; long per=rows/T;
        long lim = k.equals("G") ? tt*per+per/2 : (tt+1)*per; long stp = k.equals("H") ? 2 : 1; for (long pp=0; pp<passes; pp++) for (long row=tt*per; row<lim; row+=stp) { long b=row*rowBytes;
          s += switch (k) { case "A"->kA(b,x,cols); case "B"->kB(b,x,cols); case "C"->kC(b,x,cols); case "D"->kD(b,x,cols); case "F"->kF(b,x,0,cols); case "G"->kD2(b, b + (per/2)*rowBytes, x, cols); case "H"->kD2(b, b+rowBytes, x, cols); default->kE(b,x,cols);}; }
        sink[tt]=s; }); th[t].start(); }
      for (Thread t: th) t.join();
      double gb = size*passes/(double)(System.nanoTime()-t0);
      if (rep>=10) System.out.printf("%s T=%d %.1f GB/s (%f)%n", k, T, gb, sink[0]);
    }
  }
}
