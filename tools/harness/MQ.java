import java.lang.foreign.*;
import java.nio.ByteOrder;
import jdk.incubator.vector.*;
import static jdk.incubator.vector.VectorOperators.*;
public class MQ {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
  static final ValueLayout.OfShort SH = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt IN = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final int BLOCK=256, BYTES=144;
  static MemorySegment m;
  static float f16(long o){ return Float.float16ToFloat(m.get(SH,o)); }
  static IntVector s2i(long o) { return (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, o, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, I, 0); }
  static int u8(long o) { return m.get(ValueLayout.JAVA_BYTE, o) & 0xFF; }
  static int scaleOrMin(long s, int j, int which) {
    if (j < 4) return u8(s + j + 4L * which) & 63;
    int low = u8(s + j + 4); int high = u8(s + j - 4 + 4L * which) >>> 6;
    return (which == 0 ? low & 0xF : low >>> 4) | (high << 4);
  }
  static double ref(long block, float[] x, int n) {
    double s = 0;
    for (int j = 0; j < n; j += BLOCK, block += BYTES) {
      double d = f16(block), dmin = f16(block + 2);
      for (int chunk = 0; chunk < 4; chunk++) for (int l = 0; l < 32; l++) {
        int b = u8(block + 16 + 32 * chunk + l);
        s += (d * scaleOrMin(block + 4, 2*chunk, 0) * (b & 0xF) - dmin * scaleOrMin(block + 4, 2*chunk, 1)) * x[j + 64*chunk + l];
        s += (d * scaleOrMin(block + 4, 2*chunk+1, 0) * (b >>> 4) - dmin * scaleOrMin(block + 4, 2*chunk+1, 1)) * x[j + 64*chunk + 32 + l];
      }
    }
    return s;
  }
  static FloatVector nibble(IntVector q, int shift) { return (FloatVector) q.lanewise(LSHR, shift).and(0xF).convert(I2F, 0); }
  // current project kernel (16 lanes)
  static float kOld(long block, float[] xp, float[] runSums, int n) {
    int L = 16, bytesPerLane = 2;
    FloatVector accLow = FloatVector.zero(F), accHigh = accLow; float minTerm = 0f;
    for (int j = 0; j < n; j += BLOCK, block += BYTES) {
      float d = f16(block), dmin = f16(block + 2);
      int s0 = m.get(IN, block + 4), s1 = m.get(IN, block + 8), s2 = m.get(IN, block + 12);
      int scales03 = s0 & 0x3f3f3f3f, mins03 = s1 & 0x3f3f3f3f;
      int scales47 = (s2 & 0x0f0f0f0f) | ((s0 >>> 2) & 0x30303030);
      int mins47 = ((s2 >>> 4) & 0x0f0f0f0f) | ((s1 >>> 2) & 0x30303030);
      for (int chunk = 0; chunk < 4; chunk++) {
        int x0 = j + 64 * chunk;
        IntVector q = s2i(block + 16 + 32L * chunk);
        FloatVector low = FloatVector.zero(F), high = low;
        for (int k = 0; k < bytesPerLane; k++) {
          low = nibble(q, 8 * k).fma(FloatVector.fromArray(F, xp, x0 + L * k), low);
          high = nibble(q, 8 * k + 4).fma(FloatVector.fromArray(F, xp, x0 + 32 + L * k), high);
        }
        int shift = 16 * (chunk & 1);
        int scales = (chunk < 2 ? scales03 : scales47) >>> shift, mins = (chunk < 2 ? mins03 : mins47) >>> shift;
        accLow = low.fma(FloatVector.broadcast(F, d * (scales & 0xff)), accLow);
        accHigh = high.fma(FloatVector.broadcast(F, d * ((scales >>> 8) & 0xff)), accHigh);
        minTerm += dmin * ((mins & 0xff) * runSums[x0 / 32] + ((mins >>> 8) & 0xff) * runSums[x0 / 32 + 1]);
      }
    }
    return accLow.add(accHigh).reduceLanes(ADD) - minTerm;
  }
  /** nibble at bit `shift` as the float 1 + n/16: moved to bits 19..22 and given exponent 0 */
  static FloatVector nib1(IntVector q, int shift) {
    IntVector v = shift <= 19 ? q.lanewise(LSHL, 19 - shift) : q.lanewise(LSHR, shift - 19);
    return v.and(0x780000).or(0x3F800000).reinterpretAsFloats();
  }
  // new: nibbles become floats 1 + n/16 with a shift and one logic op; 16·Σx per run folded into the scalar term
  static float kNew(long block, float[] xp, float[] runSums, int n) {
    int L = 16;
    FloatVector accLow = FloatVector.zero(F), accHigh = accLow; float minTerm = 0f;
    for (int j = 0; j < n; j += BLOCK, block += BYTES) {
      float d = f16(block), dmin = f16(block + 2);
      int s0 = m.get(IN, block + 4), s1 = m.get(IN, block + 8), s2 = m.get(IN, block + 12);
      int scales03 = s0 & 0x3f3f3f3f, mins03 = s1 & 0x3f3f3f3f;
      int scales47 = (s2 & 0x0f0f0f0f) | ((s0 >>> 2) & 0x30303030);
      int mins47 = ((s2 >>> 4) & 0x0f0f0f0f) | ((s1 >>> 2) & 0x30303030);
      for (int chunk = 0; chunk < 4; chunk++) {
        int x0 = j + 64 * chunk;
        IntVector q = s2i(block + 16 + 32L * chunk);
        FloatVector low = nib1(q, 0).mul(FloatVector.fromArray(F, xp, x0));
        FloatVector high = nib1(q, 4).mul(FloatVector.fromArray(F, xp, x0 + 32));
        low = nib1(q, 8).fma(FloatVector.fromArray(F, xp, x0 + L), low);
        high = nib1(q, 12).fma(FloatVector.fromArray(F, xp, x0 + 32 + L), high);
        int shift = 16 * (chunk & 1);
        int scales = (chunk < 2 ? scales03 : scales47) >>> shift, mins = (chunk < 2 ? mins03 : mins47) >>> shift;
        float dl = d * 16 * (scales & 0xff), dh = d * 16 * ((scales >>> 8) & 0xff);
        accLow = low.fma(FloatVector.broadcast(F, dl), accLow);
        accHigh = high.fma(FloatVector.broadcast(F, dh), accHigh);
        minTerm += (dmin * (mins & 0xff) + dl) * runSums[x0 / 32] + (dmin * ((mins >>> 8) & 0xff) + dh) * runSums[x0 / 32 + 1];
      }
    }
    return accLow.add(accHigh).reduceLanes(ADD) - minTerm;
  }

  static final VectorMask<Float> UPPER = VectorMask.fromLong(F, 0xFF00L);
  static final VectorShuffle<Integer> SA = VectorShuffle.fromValues(I, 0,1,2,3, 8,9,10,11, 4,5,6,7, 8,9,10,11);
  static final VectorShuffle<Integer> SB = VectorShuffle.fromValues(I, 0,0,0,0, 0,1,2,3, 0,0,0,0, 4,5,6,7);
  static final IntVector SHIFT_A = IntVector.fromArray(I, new int[]{0,0,0,0, 0,0,0,0, 0,0,0,0, 4,4,4,4}, 0);
  static final IntVector MASK_A = IntVector.fromArray(I, new int[]{63,63,63,63, 15,15,15,15, 63,63,63,63, 15,15,15,15}, 0);
  static final IntVector MASK_B = IntVector.fromArray(I, new int[]{0,0,0,0, 0x30,0x30,0x30,0x30, 0,0,0,0, 0x30,0x30,0x30,0x30}, 0);
  @SuppressWarnings("unchecked")
  static final VectorShuffle<Float>[] LANE = new VectorShuffle[8];
  static { for (int i = 0; i < 8; i++) { int ii = i; LANE[i] = VectorShuffle.fromOp(F, k -> ii); } }
  /** The eight 6-bit scales (lanes 0..7) and mins (8..15) of the super-block at block. */
  static IntVector scalesAndMins(long block) {
    IntVector b = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block + 4, ByteOrder.LITTLE_ENDIAN).convertShape(B2I, I, 0);
    IntVector a = b.rearrange(SA).lanewise(LSHR, SHIFT_A).and(MASK_A);
    return a.or(b.rearrange(SB).lanewise(LSHR, 2).and(MASK_B));
  }
  static float kV(long block, float[] xp, float[] rs, int n) {
    FloatVector accLow = FloatVector.zero(F), accHigh = accLow, accMin = accLow;
    for (int j = 0, sb = 0; j < n; j += BLOCK, block += BYTES, sb += 16) {
      FloatVector dm = FloatVector.broadcast(F, 16 * f16(block)).blend(f16(block + 2), UPPER);
      FloatVector s = ((FloatVector) scalesAndMins(block).convert(I2F, 0)).mul(dm);
      accMin = s.fma(FloatVector.fromArray(F, rs, sb), accMin);
      for (int chunk = 0; chunk < 4; chunk++) {
        int x0 = j + 64 * chunk;
        IntVector q = s2i(block + 16 + 32L * chunk);
        FloatVector low = FloatVector.zero(F), high = low;
        for (int k = 0; k < 2; k++) {
          low = nib1(q, 8 * k).fma(FloatVector.fromArray(F, xp, x0 + 16 * k), low);
          high = nib1(q, 8 * k + 4).fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), high);
        }
        accLow = low.fma(FloatVector.broadcast(F, 2f * chunk).selectFrom(s), accLow);
        accHigh = high.fma(FloatVector.broadcast(F, 2f * chunk + 1).selectFrom(s), accHigh);
      }
    }
    return accLow.add(accHigh).sub(accMin).reduceLanes(ADD);
  }
  // like kB but each nibble taken with one AND where it sits (n·16^j), x pre-scaled by 16^-j to match
  static float kA(long block, float[] xs, float[] rs, int n) {
    FloatVector accLow = FloatVector.zero(F), accHigh = accLow, accMin = accLow;
    float[] sv = new float[16];
    for (int j = 0, sb = 0; j < n; j += BLOCK, block += BYTES, sb += 16) {
      FloatVector dm = FloatVector.broadcast(F, f16(block)).blend(f16(block + 2), UPPER);
      FloatVector s = ((FloatVector) scalesAndMins(block).convert(I2F, 0)).mul(dm);
      accMin = s.fma(FloatVector.fromArray(F, rs, sb), accMin);
      s.intoArray(sv, 0);
      for (int chunk = 0; chunk < 4; chunk++) {
        int x0 = j + 64 * chunk;
        IntVector q = s2i(block + 16 + 32L * chunk);
        FloatVector low = ((FloatVector) q.and(0xF).convert(I2F, 0)).mul(FloatVector.fromArray(F, xs, x0));
        FloatVector high = ((FloatVector) q.and(0xF0).convert(I2F, 0)).mul(FloatVector.fromArray(F, xs, x0 + 32));
        low = ((FloatVector) q.and(0xF00).convert(I2F, 0)).fma(FloatVector.fromArray(F, xs, x0 + 16), low);
        high = ((FloatVector) q.and(0xF000).convert(I2F, 0)).fma(FloatVector.fromArray(F, xs, x0 + 48), high);
        accLow = low.fma(FloatVector.broadcast(F, sv[2 * chunk]), accLow);
        accHigh = high.fma(FloatVector.broadcast(F, sv[2 * chunk + 1]), accHigh);
      }
    }
    return accLow.add(accHigh).sub(accMin).reduceLanes(ADD);
  }
  static float[] scaleNibbles(float[] xp) { float[] s = xp.clone();
    for (int c = 0; c < s.length; c += 64) for (int i = 0; i < 16; i++) { s[c + 16 + i] *= 0x1p-8f; s[c + 32 + i] *= 0x1p-4f; s[c + 48 + i] *= 0x1p-12f; }
    return s; }
  // like kW but the sub-block scales broadcast from a small array the scale vector is stored into
  static float kB(long block, float[] xp, float[] rs, int n) {
    FloatVector accLow = FloatVector.zero(F), accHigh = accLow, accMin = accLow;
    float[] sv = new float[16];
    for (int j = 0, sb = 0; j < n; j += BLOCK, block += BYTES, sb += 16) {
      FloatVector dm = FloatVector.broadcast(F, f16(block)).blend(f16(block + 2), UPPER);
      FloatVector s = ((FloatVector) scalesAndMins(block).convert(I2F, 0)).mul(dm);
      accMin = s.fma(FloatVector.fromArray(F, rs, sb), accMin);
      s.intoArray(sv, 0);
      for (int chunk = 0; chunk < 4; chunk++) {
        int x0 = j + 64 * chunk;
        IntVector q = s2i(block + 16 + 32L * chunk);
        FloatVector low = FloatVector.zero(F), high = low;
        for (int k = 0; k < 2; k++) {
          low = nibble(q, 8 * k).fma(FloatVector.fromArray(F, xp, x0 + 16 * k), low);
          high = nibble(q, 8 * k + 4).fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), high);
        }
        accLow = low.fma(FloatVector.broadcast(F, sv[2 * chunk]), accLow);
        accHigh = high.fma(FloatVector.broadcast(F, sv[2 * chunk + 1]), accHigh);
      }
    }
    return accLow.add(accHigh).sub(accMin).reduceLanes(ADD);
  }
  // like kV but nibbles converted with a shift, a mask and a conversion (no 1.0 offset)
  static float kW(long block, float[] xp, float[] rs, int n) {
    FloatVector accLow = FloatVector.zero(F), accHigh = accLow, accMin = accLow;
    for (int j = 0, sb = 0; j < n; j += BLOCK, block += BYTES, sb += 16) {
      FloatVector dm = FloatVector.broadcast(F, f16(block)).blend(f16(block + 2), UPPER);
      FloatVector s = ((FloatVector) scalesAndMins(block).convert(I2F, 0)).mul(dm);
      accMin = s.fma(FloatVector.fromArray(F, rs, sb), accMin);
      for (int chunk = 0; chunk < 4; chunk++) {
        int x0 = j + 64 * chunk;
        IntVector q = s2i(block + 16 + 32L * chunk);
        FloatVector low = FloatVector.zero(F), high = low;
        for (int k = 0; k < 2; k++) {
          low = nibble(q, 8 * k).fma(FloatVector.fromArray(F, xp, x0 + 16 * k), low);
          high = nibble(q, 8 * k + 4).fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), high);
        }
        accLow = low.fma(FloatVector.broadcast(F, 2f * chunk).selectFrom(s), accLow);
        accHigh = high.fma(FloatVector.broadcast(F, 2f * chunk + 1).selectFrom(s), accHigh);
      }
    }
    return accLow.add(accHigh).sub(accMin).reduceLanes(ADD);
  }
  static float[] rsums(float[] runSums) { float[] r = new float[runSums.length * 2];
    for (int sb = 0; sb < runSums.length / 8; sb++) for (int j = 0; j < 8; j++) { r[16*sb+j] = runSums[8*sb+j]; r[16*sb+8+j] = runSums[8*sb+j]; }
    return r; }

  static float[] perm(float[] x) { float[] p = new float[x.length];
    for (int b=0;b<x.length;b+=32) for (int k=0;k<2;k++) for (int i=0;i<16;i++) p[b+16*k+i]=x[b+2*i+k];
    return p; }
  static float sink;
  static org.kvscope.tensor.FloatTensor proj; static float[] projOut;
  static float projectAll(int rows, float[] x, int cols) {
    if (proj == null) { proj = org.kvscope.tensor.FloatTensor.of(org.kvscope.gguf.GGMLType.Q4_K, m, (long) rows * cols); projOut = new float[rows]; }
    proj.matvec(x, projOut, rows, cols);
    return projOut[0];
  }
  public static void main(String[] a) {
    int cols = 2048; long rows = Long.parseLong(a[1]); long rowBytes = cols / BLOCK * BYTES; long size = rows * rowBytes;
    m = Arena.ofShared().allocate(size, 64);
    java.util.Random r = new java.util.Random(1);
    for (long i=0;i<size;i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
    for (long b=0;b<size;b+=BYTES) { m.set(SH, b, Float.floatToFloat16(0.001f + 0.001f*r.nextFloat())); m.set(SH, b+2, Float.floatToFloat16(0.002f*r.nextFloat())); }
    float[] x = new float[cols]; for (int i=0;i<cols;i++) x[i]=(float) r.nextGaussian();
    float[] xp = perm(x); float[] runSums = new float[cols/32];
    for (int g=0; g<runSums.length; g++) { float s=0; for (int i=0;i<32;i++) s+=x[32*g+i]; runSums[g]=s; }
    float[] rs = rsums(runSums); float[] xsA = scaleNibbles(xp); float[] rsW = rs.clone(); for (int i2 = 0; i2 < rsW.length; i2++) if (i2 % 16 < 8) rsW[i2] = 0;
    if (a[0].equals("CHECK")) { for (int rr=0; rr<5; rr++) { long b = rr*rowBytes; System.out.printf("ref %.7f old %.7f new %.7f vec %.7f%n", ref(b,x,cols), kOld(b,xp,runSums,cols), kNew(b,xp,runSums,cols), kV(b,xp,rs,cols)); System.out.printf("  vw %.7f vb %.7f va %.7f%n", kW(b,xp,rsW,cols), kB(b,xp,rsW,cols), kA(b,xsA,rsW,cols)); } return; }
    String[] names = a[0].split(","); int rounds = 41; double[][] gv = new double[names.length][rounds];
    int passes = (int) Math.max(1, (32L<<20) / size);
    for (int round=-10; round<rounds; round++) for (int v=0; v<names.length; v++) {
      float s=0; long t0=System.nanoTime();
      if (names[v].equals("proj")) { for (int pp=0; pp<passes; pp++) s += projectAll((int) rows, x, cols); } else
      for (int pp=0; pp<passes; pp++) for (long row=0; row<rows; row++) { long b=row*rowBytes;
        s += switch (names[v]) { case "new" -> kNew(b,xp,runSums,cols); case "vec" -> kV(b,xp,rs,cols); case "vw" -> kW(b,xp,rsW,cols); case "vb" -> kB(b,xp,rsW,cols); case "va" -> kA(b,xsA,rsW,cols); default -> kOld(b,xp,runSums,cols); }; }
      if (round>=0) gv[v][round] = rows*cols*(double)passes/(System.nanoTime()-t0);
      sink += s;
    }
    for (int v=0; v<names.length; v++) { java.util.Arrays.sort(gv[v]); System.out.printf("%s median %.2f Gvalues/s (q1 %.2f q3 %.2f)%n", names[v], gv[v][rounds/2], gv[v][rounds/4], gv[v][3*rounds/4]); }
  }
}
