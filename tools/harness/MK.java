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


  // kP: two blocks per 16-lane int vector (blend of two loads), each byte made a float 1 + (q+128)/256
  // with a shift and a masked xor (vpternlogd), no int->float conversion; per-lane -1.5*sum(x) starts the chain.
  static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
  static final VectorMask<Integer> HI = VectorMask.fromLong(I, 0xFF00L);
  static final VectorMask<Float> HIF = VectorMask.fromLong(F, 0xFF00L);
  static FloatVector fl(IntVector v) { return v.and(0x7F8000).lanewise(XOR, 0x3FC00000).reinterpretAsFloats(); }
  static float kP(long block, float[] xp, float[] xs, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0, g=0; j<n; j+=2*BLOCK, g+=16, block+=2*BYTES) {
      IntVector q = IntVector.fromMemorySegment(I, m, block+2, ByteOrder.LITTLE_ENDIAN)
          .blend(IntVector.fromMemorySegment(I, m, block+4, ByteOrder.LITTLE_ENDIAN), HI);
      FloatVector s = fl(q.lanewise(LSHL, 15)).fma(FloatVector.fromArray(F, xp, j), FloatVector.fromArray(F, xs, g));
      FloatVector t = fl(q.lanewise(LSHL, 7)).mul(FloatVector.fromArray(F, xp, j+16));
      s = fl(q.lanewise(LSHR, 1)).fma(FloatVector.fromArray(F, xp, j+32), s);
      t = fl(q.lanewise(LSHR, 9)).fma(FloatVector.fromArray(F, xp, j+48), t);
      FloatVector d = FloatVector.broadcast(F, f16(block)).blend(f16(block+BYTES), HIF);
      if ((j & 64) == 0) acc0 = s.add(t).fma(d, acc0); else acc1 = s.add(t).fma(d, acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD) * 256f;
  }
  static float[] permP(float[] x) { float[] p = new float[x.length];
    for (int G=0; G<x.length; G+=64) for (int k=0;k<4;k++) for (int j=0;j<16;j++) p[G+16*k+j] = x[G + 32*(j/8) + 4*(j%8) + k];
    return p; }
  static float[] sumsP(float[] p) { float[] s = new float[p.length/4];
    for (int G=0, g=0; G<p.length; G+=64, g+=16) for (int j=0;j<16;j++) s[g+j] = -1.5f*(p[G+j]+p[G+16+j]+p[G+32+j]+p[G+48+j]);
    return s; }
  static float[] permD(float[] x) { float[] p = new float[x.length];
    for (int b=0;b<x.length;b+=32) for (int k=0;k<2;k++) for (int i=0;i<16;i++) p[b+16*k+i]=x[b+2*i+k];
    return p; }
  static double ref(long block, float[] x, int n) { double s=0; for (int j=0;j<n;j++){ long b=block+(j/32)*34; s += (double) f16(b) * m.get(ValueLayout.JAVA_BYTE, b+2+j%32) * x[j]; } return s; }


  // exploratory: kD with x from a 64-byte aligned native segment
  static MemorySegment xa;
  static float kDA(long block, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      long xj = 4L*j;
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector p = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      FloatVector s = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromMemorySegment(F, xa, xj, ByteOrder.LITTLE_ENDIAN));
      FloatVector t = ((FloatVector) p.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromMemorySegment(F, xa, xj+128, ByteOrder.LITTLE_ENDIAN));
      s = ((FloatVector) q.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromMemorySegment(F, xa, xj+64, ByteOrder.LITTLE_ENDIAN), s);
      t = ((FloatVector) p.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromMemorySegment(F, xa, xj+192, ByteOrder.LITTLE_ENDIAN), t);
      acc0 = s.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = t.fma(FloatVector.broadcast(F, f16(block+BYTES)), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  // exploratory: no x loads at all (upper bound of what x loads cost)
  static float kDN(long block, int n, FloatVector x0, FloatVector x1) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector p = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      FloatVector s = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(x0);
      FloatVector t = ((FloatVector) p.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(x1);
      s = ((FloatVector) q.lanewise(ASHR, 8).convert(I2F, 0)).fma(x1, s);
      t = ((FloatVector) p.lanewise(ASHR, 8).convert(I2F, 0)).fma(x0, t);
      acc0 = s.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = t.fma(FloatVector.broadcast(F, f16(block+BYTES)), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  // exploratory: no scale per block (upper bound of what the f16 scales cost)
  static float kDS(long block, float[] xp, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector p = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      acc0 = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j), acc0);
      acc1 = ((FloatVector) p.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+32), acc1);
      acc0 = ((FloatVector) q.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+16), acc0);
      acc1 = ((FloatVector) p.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+48), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }


  // exploratory: like kD but the scale is a constant (isolates the scale's load and conversion)
  static float kDC(long block, float[] xp, int n, FloatVector dc) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector p = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      FloatVector s = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromArray(F, xp, j));
      FloatVector t = ((FloatVector) p.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromArray(F, xp, j+32));
      s = ((FloatVector) q.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+16), s);
      t = ((FloatVector) p.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+48), t);
      acc0 = s.fma(FloatVector.broadcast(F, 0.01f), acc0);
      acc1 = t.fma(FloatVector.broadcast(F, 0.01f), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  static int halfBits(long o) { int h = m.get(SH, o); return ((h & 0x8000) << 16) | (((h & 0x7fff) << 13) + 0x38000000); }
  // exploratory: scale converted with scalar integer ops (normal halves only) and broadcast from a GPR
  static float kDI(long block, float[] xp, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector p = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      FloatVector s = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromArray(F, xp, j));
      FloatVector t = ((FloatVector) p.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromArray(F, xp, j+32));
      s = ((FloatVector) q.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+16), s);
      t = ((FloatVector) p.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+48), t);
      acc0 = s.fma(IntVector.broadcast(I, halfBits(block)).reinterpretAsFloats(), acc0);
      acc1 = t.fma(IntVector.broadcast(I, halfBits(block+BYTES)).reinterpretAsFloats(), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  // exploratory: scale via Float.intBitsToFloat of the integer conversion, broadcast as float
  static float kDJ(long block, float[] xp, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector p = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      FloatVector s = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromArray(F, xp, j));
      FloatVector t = ((FloatVector) p.lanewise(LSHL, 24).lanewise(ASHR, 24).convert(I2F, 0)).mul(FloatVector.fromArray(F, xp, j+32));
      s = ((FloatVector) q.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+16), s);
      t = ((FloatVector) p.lanewise(ASHR, 8).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, j+48), t);
      acc0 = s.fma(FloatVector.broadcast(F, Float.intBitsToFloat(halfBits(block))), acc0);
      acc1 = t.fma(FloatVector.broadcast(F, Float.intBitsToFloat(halfBits(block+BYTES))), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }


  // kQ: each block's quants read as one 64-byte load; vpermt2b puts quant i in the top byte of int lane i
  // (zeros below), so the int is q·2^24 and one conversion makes the float; x in natural order.
  static final VectorSpecies<Byte> B512 = ByteVector.SPECIES_512;
  static ByteVector topBytes(int from) { byte[] ix = new byte[64];
    for (int i = 0; i < 16; i++) { ix[4*i] = 64; ix[4*i+1] = 64; ix[4*i+2] = 64; ix[4*i+3] = (byte) (from + i); }
    return ByteVector.fromArray(B512, ix, 0); }
  static final ByteVector TOP0 = topBytes(0), TOP1 = topBytes(16), ZB = ByteVector.zero(B512);
  static FloatVector top(ByteVector perm, ByteVector q) { return (FloatVector) perm.selectFrom(q, ZB).reinterpretAsInts().convert(I2F, 0); }
  static float kQ(long block, float[] x, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      ByteVector q = ByteVector.fromMemorySegment(B512, m, block+2, ByteOrder.LITTLE_ENDIAN);
      ByteVector p = ByteVector.fromMemorySegment(B512, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN);
      FloatVector s = top(TOP0, q).mul(FloatVector.fromArray(F, x, j));
      FloatVector t = top(TOP0, p).mul(FloatVector.fromArray(F, x, j+32));
      s = top(TOP1, q).fma(FloatVector.fromArray(F, x, j+16), s);
      t = top(TOP1, p).fma(FloatVector.fromArray(F, x, j+48), t);
      acc0 = s.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = t.fma(FloatVector.broadcast(F, f16(block+BYTES)), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD) * 0x1p-24f;
  }


  static VectorShuffle<Byte> topShuffle(int from) { int[] ix = new int[64];
    for (int i = 0; i < 16; i++) ix[4*i+3] = from + i; return VectorShuffle.fromArray(B512, ix, 0); }
  static final VectorShuffle<Byte> SH0 = topShuffle(0), SH1 = topShuffle(16);
  static final VectorMask<Byte> TOPM = VectorMask.fromLong(B512, 0x8888888888888888L);
  static FloatVector topR(VectorShuffle<Byte> sh, ByteVector q) { return (FloatVector) (sh == SH0 ? TOPI0 : TOPI1).selectFrom(q).reinterpretAsInts().and(0xFF000000).convert(I2F, 0); }
  static final ByteVector TOPI0 = (ByteVector) SH0.toVector(), TOPI1 = (ByteVector) SH1.toVector();
  static float kR(long block, float[] x, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0;j<n;j+=2*BLOCK, block+=2*BYTES) {
      ByteVector q = ByteVector.fromMemorySegment(B512, m, block+2, ByteOrder.LITTLE_ENDIAN);
      ByteVector p = ByteVector.fromMemorySegment(B512, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN);
      FloatVector s = topR(SH0, q).mul(FloatVector.fromArray(F, x, j));
      FloatVector t = topR(SH0, p).mul(FloatVector.fromArray(F, x, j+32));
      s = topR(SH1, q).fma(FloatVector.fromArray(F, x, j+16), s);
      t = topR(SH1, p).fma(FloatVector.fromArray(F, x, j+48), t);
      acc0 = s.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = t.fma(FloatVector.broadcast(F, f16(block+BYTES)), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD) * 0x1p-24f;
  }

  static org.kvscope.tensor.FloatTensor proj; static float[] projOut = new float[1];
  /** The project's own Q8_0 matvec, one row at a time (x is permuted inside, as decode does per matrix). */
  static float projectRow(long b, float[] x, int cols, long rowBytes) {
    if (proj == null) proj = org.kvscope.tensor.FloatTensor.of(org.kvscope.gguf.GGMLType.Q8_0, m, m.byteSize() / 34 * 32);
    int row = (int) (b / rowBytes);
    if (row != 0) return 0f;
    float[] out = projOut.length == (int) (m.byteSize() / rowBytes) ? projOut : (projOut = new float[(int) (m.byteSize() / rowBytes)]);
    proj.matvec(x, 0, out, 0, out.length, cols);
    return out[0];
  }

  // kP2: kD's layout (each block as 16 shorts widened to ints) with each byte made the float 1.5 + q/256
  // by a shift and a masked xor instead of shifts and an int->float conversion; -1.5(x_lo + x_hi) per lane
  // starts each block's FMA chain, so the offset costs no extra operation.
  static FloatVector lo1(IntVector v) { return v.lanewise(LSHL, 15).and(0x7F8000).lanewise(XOR, 0x3FC00000).reinterpretAsFloats(); }
  static FloatVector hi1(IntVector v) { return v.lanewise(LSHL, 7).and(0x7F8000).lanewise(XOR, 0x3FC00000).reinterpretAsFloats(); }
  static float kP2(long block, float[] xp, float[] xs, int n) {
    FloatVector acc0=FloatVector.zero(F), acc1=acc0;
    for (int j=0, g=0; j<n; j+=2*BLOCK, g+=32, block+=2*BYTES) {
      IntVector q = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      IntVector p = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, block+BYTES+2, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, IntVector.SPECIES_512, 0);
      FloatVector s = lo1(q).fma(FloatVector.fromArray(F, xp, j), FloatVector.fromArray(F, xs, g));
      FloatVector t = lo1(p).fma(FloatVector.fromArray(F, xp, j+32), FloatVector.fromArray(F, xs, g+16));
      s = hi1(q).fma(FloatVector.fromArray(F, xp, j+16), s);
      t = hi1(p).fma(FloatVector.fromArray(F, xp, j+48), t);
      acc0 = s.fma(FloatVector.broadcast(F, f16(block)), acc0);
      acc1 = t.fma(FloatVector.broadcast(F, f16(block+BYTES)), acc1);
    }
    return acc0.add(acc1).reduceLanes(ADD) * 256f;
  }
  static float[] sumsP2(float[] xpD) { float[] s = new float[xpD.length/2];
    for (int b=0, g=0; b<xpD.length; b+=32, g+=16) for (int i=0;i<16;i++) s[g+i] = -1.5f*(xpD[b+i]+xpD[b+16+i]);
    return s; }

  static float[] xs2;
  static float sink2;
  /** Variants interleaved in one JVM, one thread: MIX D0,P ROWS → median GB/s of each over many rounds. */
  static void mix(String[] names, long rows, int cols, float[] x, float[] xpD, float[] xpP, float[] xsP, FloatVector vx0, FloatVector vx1) {
    long rowBytes = cols/32*34; int rounds = 41; double[][] gb = new double[names.length][rounds];
    int passes = (int) Math.max(1, (64L<<20) / (rows*rowBytes));
    for (int round=-10; round<rounds; round++) for (int v=0; v<names.length; v++) {
      float s=0; long t0=System.nanoTime();
      for (int pp=0; pp<passes; pp++) for (long row=0; row<rows; row++) { long b=row*rowBytes;
        s += switch (names[v]) { case "P"->kP(b,xpP,xsP,cols); case "DA"->kDA(b,cols); case "DN"->kDN(b,cols,vx0,vx1); case "DS"->kDS(b,xpD,cols); case "Q"->kQ(b,x,cols); case "P2"->kP2(b,xpD,xs2,cols); case "T"->projectRow(b, x, cols, rowBytes); case "R"->kR(b,x,cols); case "DC"->kDC(b,xpD,cols,vx0); case "DI"->kDI(b,xpD,cols); case "DJ"->kDJ(b,xpD,cols); default->kD(b,xpD,cols);}; }
      if (round>=0) gb[v][round] = rows*rowBytes*(double)passes/(System.nanoTime()-t0);
      sink2 += s;
    }
    for (int v=0; v<names.length; v++) { java.util.Arrays.sort(gb[v]); System.out.printf("%s median %.2f GB/s (q1 %.2f q3 %.2f)%n", names[v], gb[v][rounds/2], gb[v][rounds/4], gb[v][3*rounds/4]); }
  }

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
    int cols = 2048; long rows = a.length>2 ? Long.parseLong(a[2]) : 8192*4; long passes = 8192*4/rows; long size = rows*cols/32*34 + 64;
    m = Arena.ofShared().allocate(size, 64);
    java.util.Random r = new java.util.Random(1);
    for (long i=0;i<size;i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
    for (long b=0;b<size;b+=34) m.set(SH, b, Float.floatToFloat16(0.01f));
    float[] x = new float[cols]; for (int i=0;i<cols;i++) x[i]=(float) r.nextGaussian();
    String k = a[0]; int T = k.equals("MIX") ? 1 : Integer.parseInt(a[1]);
    float[] xpP = permP(x), xsP = sumsP(xpP), xpD = permD(x); xs2 = sumsP2(xpD);
    xa = Arena.ofShared().allocate(4L*cols, 64); MemorySegment.copy(xpD, 0, xa, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, cols);
    FloatVector vx0 = FloatVector.fromArray(F, x, 0), vx1 = FloatVector.fromArray(F, x, 16);
    if (k.equals("MIX")) { mix(a[1].split(","), rows, cols, x, xpD, xpP, xsP, vx0, vx1); return; }
    if (k.equals("CHECK")) { for (int rr=0;rr<5;rr++){ long b=rr*(cols/32*34L); System.out.printf("ref %.6f D %.6f P %.6f%n", ref(b,x,cols), kD(b,xpD,cols), kP(b,xpP,xsP,cols)); System.out.printf("  Q %.6f R %.6f P2 %.6f%n", kQ(b,x,cols), kR(b,x,cols), kP2(b,xpD,xs2,cols)); } return; }
    long rowBytes = cols/32*34;
    for (int rep=0; rep<15; rep++) {
      long t0=System.nanoTime(); Thread[] th = new Thread[T]; float[] sink = new float[T];
      for (int t=0;t<T;t++){ int tt=t; th[t]=new Thread(()->{ float s=0; long per=rows/T;
        long lim = k.equals("G") ? tt*per+per/2 : (tt+1)*per; long stp = k.equals("H") ? 2 : 1; for (long pp=0; pp<passes; pp++) for (long row=tt*per; row<lim; row+=stp) { long b=row*rowBytes;
          s += switch (k) { case "A"->kA(b,x,cols); case "B"->kB(b,x,cols); case "C"->kC(b,x,cols); case "D"->kD(b,x,cols); case "F"->kF(b,x,0,cols); case "P"->kP(b,xpP,xsP,cols); case "D0"->kD(b,xpD,cols); case "DA"->kDA(b,cols); case "DN"->kDN(b,cols,vx0,vx1); case "DS"->kDS(b,xpD,cols); case "Q"->kQ(b,x,cols); case "P2"->kP2(b,xpD,xs2,cols); case "T"->projectRow(b, x, cols, rowBytes); case "R"->kR(b,x,cols); case "G"->kD2(b, b + (per/2)*rowBytes, x, cols); case "H"->kD2(b, b+rowBytes, x, cols); default->kE(b,x,cols);}; }
        sink[tt]=s; }); th[t].start(); }
      for (Thread t: th) t.join();
      double gb = size*passes/(double)(System.nanoTime()-t0);
      if (rep>=10) System.out.printf("%s T=%d %.1f GB/s (%f)%n", k, T, gb, sink[0]);
    }
  }
}
