import java.lang.foreign.*;
import java.nio.ByteOrder;
import jdk.incubator.vector.*;
import static jdk.incubator.vector.VectorOperators.*;
public class M6 {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
  static final ValueLayout.OfShort SH = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final int BLOCK=256, BYTES=210;
  static MemorySegment m;
  static float f16(long o){ return Float.float16ToFloat(m.get(SH,o)); }
  static IntVector s2i(long o) { return (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, m, o, ByteOrder.LITTLE_ENDIAN).convertShape(S2I, I, 0); }
  static int u8(long o) { return m.get(ValueLayout.JAVA_BYTE, o) & 0xFF; }
  static int quant(long block, int e) {
    int half = e / 128, w = e % 128, k = w / 32, l = w % 32;
    int ql = u8(block + half * 64L + l + ((k & 1) == 1 ? 32 : 0));
    int low = k < 2 ? ql & 0xF : ql >>> 4;
    int high = (u8(block + 128 + half * 32L + l) >>> (2 * k)) & 3;
    return (low | (high << 4)) - 32;
  }
  static double ref(long block, float[] x, int n) {
    double s = 0;
    for (int j = 0; j < n; j += BLOCK, block += BYTES) {
      double d = f16(block + 208);
      for (int e = 0; e < 256; e++) s += d * m.get(ValueLayout.JAVA_BYTE, block + 192 + e / 16) * quant(block, e) * x[j + e];
    }
    return s;
  }
  static final VectorMask<Float> UPPER = VectorMask.fromLong(F, 0xFF00L);
  // the project's kernel (16 lanes)
  static float kOld(long block, float[] xp, int n) {
    int L = 16, bytesPerLane = 2;
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
    for (int j = 0; j < n; j += BLOCK, block += BYTES) {
      float d = f16(block + 208);
      for (int half = 0; half < 2; half++) {
        IntVector a = s2i(block + 64L * half);
        IntVector b = s2i(block + 64L * half + 32);
        IntVector h = s2i(block + 128 + 32L * half);
        long scales = block + 192 + 8L * half;
        for (int run = 0; run < 4; run++) {
          IntVector ql = (run & 1) == 0 ? a : b;
          int x0 = j + 128 * half + 32 * run;
          FloatVector t = FloatVector.zero(F);
          for (int k = 0; k < bytesPerLane; k++) {
            IntVector low = ql.lanewise(LSHR, 8 * k + (run < 2 ? 0 : 4)).and(0xF);
            int hs = 8 * k + 2 * run - 4;
            IntVector high = (hs >= 0 ? h.lanewise(LSHR, hs) : h.lanewise(LSHL, -hs)).and(0x30);
            FloatVector q = (FloatVector) low.or(high).sub(32).convert(I2F, 0);
            t = q.fma(FloatVector.fromArray(F, xp, x0 + L * k), t);
          }
          float s0 = d * m.get(ValueLayout.JAVA_BYTE, scales + 2 * run);
          float s1 = d * m.get(ValueLayout.JAVA_BYTE, scales + 2 * run + 1);
          FloatVector scale = FloatVector.broadcast(F, s0).blend(s1, UPPER);
          if ((run & 1) == 0) acc0 = t.fma(scale, acc0); else acc1 = t.fma(scale, acc1);
        }
      }
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  static FloatVector pair(int p) { float[] ix = new float[16]; for (int i = 0; i < 16; i++) ix[i] = 2 * p + (i < 8 ? 0 : 1); return FloatVector.fromArray(F, ix, 0); }
  static final FloatVector P0 = pair(0), P1 = pair(1), P2 = pair(2), P3 = pair(3), P4 = pair(4), P5 = pair(5), P6 = pair(6), P7 = pair(7);
  /** Quant q (0..63) of a 6-bit field whose low nibble sits at bit lowAt of ql and high pair at bit highAt of h. */
  static FloatVector q6(IntVector ql, int lowAt, IntVector h, int highAt) {
    IntVector a = ql.lanewise(LSHL, 26 - lowAt), b = h.lanewise(LSHL, 30 - highAt);
    return (FloatVector) a.and(0x3C000000).or(b.and(0xC0000000)).lanewise(LSHR, 26).convertShape(I2F, F, 0);
  }
  // new: scales as one vector per super-block, each run's pair picked with one permute; quants built with two
  // shifts, a select and a logical shift (no -32 per value: 32·Σx per scale group is taken off once per super-block)
  static final FloatVector PAIR_BASE = pair(0);
  static float kNew(long block, float[] xp, float[] groupSums, int n) {
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, off = acc0;
    for (int j = 0, g = 0; j < n; j += BLOCK, block += BYTES, g += 16) {
      FloatVector s = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block + 192, ByteOrder.LITTLE_ENDIAN)
          .convertShape(B2F, F, 0)).mul(f16(block + 208));
      off = s.fma(FloatVector.fromArray(F, groupSums, g), off);
      for (int half = 0; half < 2; half++) {
        IntVector a = s2i(block + 64L * half);
        IntVector b = s2i(block + 64L * half + 32);
        IntVector h = s2i(block + 128 + 32L * half);
        for (int p = 0; p < 2; p++) {
          int x0 = j + 128 * half + 64 * p, nibble = 4 * p;
          FloatVector t = FloatVector.zero(F), u = t;
          for (int k = 0; k < 2; k++) {
            IntVector highA = h.lanewise(LSHL, 30 - 8 * k - 4 * p).and(0xC0000000);
            IntVector highB = h.lanewise(LSHL, 28 - 8 * k - 4 * p).and(0xC0000000);
            FloatVector qa = (FloatVector) a.lanewise(LSHL, 26 - 8 * k - nibble).and(0x3C000000).or(highA).lanewise(LSHR, 26).convert(I2F, 0);
            FloatVector qb = (FloatVector) b.lanewise(LSHL, 26 - 8 * k - nibble).and(0x3C000000).or(highB).lanewise(LSHR, 26).convert(I2F, 0);
            t = qa.fma(FloatVector.fromArray(F, xp, x0 + 16 * k), t);
            u = qb.fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), u);
          }
          FloatVector index = PAIR_BASE.add(8f * half + 4f * p);
          acc0 = t.fma(index.selectFrom(s), acc0);
          acc1 = u.fma(index.add(2f).selectFrom(s), acc1);
        }
      }
    }
    return acc0.add(acc1).reduceLanes(ADD) - 32 * off.reduceLanes(ADD);
  }
  static float kBl(long block, float[] xp, float[] groupSums, int n) {
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, off = acc0;
    for (int j = 0, g = 0; j < n; j += BLOCK, block += BYTES, g += 16) {
      FloatVector s = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block + 192, ByteOrder.LITTLE_ENDIAN)
          .convertShape(B2F, F, 0)).mul(f16(block + 208));
      off = s.fma(FloatVector.fromArray(F, groupSums, g), off);
      for (int half = 0; half < 2; half++) {
        IntVector a = s2i(block + 64L * half);
        IntVector b = s2i(block + 64L * half + 32);
        IntVector h = s2i(block + 128 + 32L * half);
        for (int p = 0; p < 2; p++) {
          int x0 = j + 128 * half + 64 * p, nibble = 4 * p;
          FloatVector t = FloatVector.zero(F), u = t;
          for (int k = 0; k < 2; k++) {
            IntVector highA = h.lanewise(LSHL, 30 - 8 * k - 4 * p), highB = h.lanewise(LSHL, 28 - 8 * k - 4 * p);
            FloatVector qa = (FloatVector) highA.lanewise(BITWISE_BLEND, a.lanewise(LSHL, 26 - 8 * k - nibble), 0x3C000000).lanewise(LSHR, 26).convert(I2F, 0);
            FloatVector qb = (FloatVector) highB.lanewise(BITWISE_BLEND, b.lanewise(LSHL, 26 - 8 * k - nibble), 0x3C000000).lanewise(LSHR, 26).convert(I2F, 0);
            t = qa.fma(FloatVector.fromArray(F, xp, x0 + 16 * k), t);
            u = qb.fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), u);
          }
          FloatVector index = PAIR_BASE.add(8f * half + 4f * p);
          acc0 = t.fma(index.selectFrom(s), acc0);
          acc1 = u.fma(index.add(2f).selectFrom(s), acc1);
        }
      }
    }
    return acc0.add(acc1).reduceLanes(ADD) - 32 * off.reduceLanes(ADD);
  }
  static float kT(long block, float[] xp, float[] groupSums, int n) {
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, off = acc0;
    for (int j = 0, g = 0; j < n; j += BLOCK, block += BYTES, g += 16) {
      FloatVector s = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block + 192, ByteOrder.LITTLE_ENDIAN)
          .convertShape(B2F, F, 0)).mul(f16(block + 208));
      off = s.fma(FloatVector.fromArray(F, groupSums, g), off);
      for (int half = 0; half < 2; half++) {
        IntVector a = s2i(block + 64L * half);
        IntVector b = s2i(block + 64L * half + 32);
        IntVector h = s2i(block + 128 + 32L * half);
        for (int p = 0; p < 2; p++) {
          int x0 = j + 128 * half + 64 * p, nibble = 4 * p;
          FloatVector t = FloatVector.zero(F), u = t;
          for (int k = 0; k < 2; k++) {
            IntVector highA = h.lanewise(LSHL, 30 - 8 * k - 4 * p).and(0xC0000000);
            IntVector highB = h.lanewise(LSHL, 28 - 8 * k - 4 * p).and(0xC0000000);
            FloatVector qa = (FloatVector) a.lanewise(LSHL, 26 - 8 * k - nibble).and(0x3C000000).or(highA).lanewise(LSHR, 26).convert(I2F, 0);
            FloatVector qb = (FloatVector) b.lanewise(LSHL, 26 - 8 * k - nibble).and(0x3C000000).or(highB).lanewise(LSHR, 26).convert(I2F, 0);
            t = qa.fma(FloatVector.fromArray(F, xp, x0 + 16 * k), t);
            u = qb.fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), u);
          }
          FloatVector index = PAIR_BASE.add(8f * half + 4f * p);
          acc0 = t.fma(index.selectFrom(s, s), acc0);
          acc1 = u.fma(index.add(2f).selectFrom(s, s), acc1);
        }
      }
    }
    return acc0.add(acc1).reduceLanes(ADD) - 32 * off.reduceLanes(ADD);
  }
  static float kB(long block, float[] xp, float[] groupSums, int n) {
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, off = acc0;
    float[] sv = new float[16];
    for (int j = 0, g = 0; j < n; j += BLOCK, block += BYTES, g += 16) {
      FloatVector s = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block + 192, ByteOrder.LITTLE_ENDIAN)
          .convertShape(B2F, F, 0)).mul(f16(block + 208));
      off = s.fma(FloatVector.fromArray(F, groupSums, g), off);
      s.intoArray(sv, 0);
      for (int half = 0; half < 2; half++) {
        IntVector a = s2i(block + 64L * half);
        IntVector b = s2i(block + 64L * half + 32);
        IntVector h = s2i(block + 128 + 32L * half);
        for (int p = 0; p < 2; p++) {
          int x0 = j + 128 * half + 64 * p, nibble = 4 * p;
          FloatVector t = FloatVector.zero(F), u = t;
          for (int k = 0; k < 2; k++) {
            IntVector highA = h.lanewise(LSHL, 30 - 8 * k - 4 * p).and(0xC0000000);
            IntVector highB = h.lanewise(LSHL, 28 - 8 * k - 4 * p).and(0xC0000000);
            FloatVector qa = (FloatVector) a.lanewise(LSHL, 26 - 8 * k - nibble).and(0x3C000000).or(highA).lanewise(LSHR, 26).convert(I2F, 0);
            FloatVector qb = (FloatVector) b.lanewise(LSHL, 26 - 8 * k - nibble).and(0x3C000000).or(highB).lanewise(LSHR, 26).convert(I2F, 0);
            t = qa.fma(FloatVector.fromArray(F, xp, x0 + 16 * k), t);
            u = qb.fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), u);
          }
          int i0 = 8 * half + 4 * p;
          acc0 = t.fma(FloatVector.broadcast(F, sv[i0]).blend(sv[i0 + 1], UPPER), acc0);
          acc1 = u.fma(FloatVector.broadcast(F, sv[i0 + 2]).blend(sv[i0 + 3], UPPER), acc1);
        }
      }
    }
    return acc0.add(acc1).reduceLanes(ADD) - 32 * off.reduceLanes(ADD);
  }
  static VectorShuffle<Float> ps(int pair) { return VectorShuffle.fromOp(F, i -> 2 * pair + (i < 8 ? 0 : 1)); }
  static final VectorShuffle<Float> PS0 = ps(0), PS1 = ps(1), PS2 = ps(2), PS3 = ps(3), PS4 = ps(4), PS5 = ps(5), PS6 = ps(6), PS7 = ps(7);
  static float kS(long block, float[] xp, float[] groupSums, int n) {
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, off = acc0;
    for (int j = 0, g = 0; j < n; j += BLOCK, block += BYTES, g += 16) {
      FloatVector s = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block + 192, ByteOrder.LITTLE_ENDIAN)
          .convertShape(B2F, F, 0)).mul(f16(block + 208));
      off = s.fma(FloatVector.fromArray(F, groupSums, g), off);
      IntVector a0 = s2i(block), b0 = s2i(block + 32), h0 = s2i(block + 128);
        {
          int x0 = j + 128 * 0 + 64 * 0;
          FloatVector t = FloatVector.zero(F), u = t;
          for (int k = 0; k < 2; k++) {
            IntVector highA = h0.lanewise(LSHL, 30 - 8 * k - 4 * 0).and(0xC0000000);
            IntVector highB = h0.lanewise(LSHL, 28 - 8 * k - 4 * 0).and(0xC0000000);
            FloatVector qa = (FloatVector) a0.lanewise(LSHL, 26 - 8 * k - 4 * 0).and(0x3C000000).or(highA).lanewise(LSHR, 26).convert(I2F, 0);
            FloatVector qb = (FloatVector) b0.lanewise(LSHL, 26 - 8 * k - 4 * 0).and(0x3C000000).or(highB).lanewise(LSHR, 26).convert(I2F, 0);
            t = qa.fma(FloatVector.fromArray(F, xp, x0 + 16 * k), t);
            u = qb.fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), u);
          }
          acc0 = t.fma(s.rearrange(PS0), acc0);
          acc1 = u.fma(s.rearrange(PS1), acc1);
        }
        {
          int x0 = j + 128 * 0 + 64 * 1;
          FloatVector t = FloatVector.zero(F), u = t;
          for (int k = 0; k < 2; k++) {
            IntVector highA = h0.lanewise(LSHL, 30 - 8 * k - 4 * 1).and(0xC0000000);
            IntVector highB = h0.lanewise(LSHL, 28 - 8 * k - 4 * 1).and(0xC0000000);
            FloatVector qa = (FloatVector) a0.lanewise(LSHL, 26 - 8 * k - 4 * 1).and(0x3C000000).or(highA).lanewise(LSHR, 26).convert(I2F, 0);
            FloatVector qb = (FloatVector) b0.lanewise(LSHL, 26 - 8 * k - 4 * 1).and(0x3C000000).or(highB).lanewise(LSHR, 26).convert(I2F, 0);
            t = qa.fma(FloatVector.fromArray(F, xp, x0 + 16 * k), t);
            u = qb.fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), u);
          }
          acc0 = t.fma(s.rearrange(PS2), acc0);
          acc1 = u.fma(s.rearrange(PS3), acc1);
        }
      IntVector a1 = s2i(block + 64), b1 = s2i(block + 96), h1 = s2i(block + 160);
        {
          int x0 = j + 128 * 1 + 64 * 0;
          FloatVector t = FloatVector.zero(F), u = t;
          for (int k = 0; k < 2; k++) {
            IntVector highA = h1.lanewise(LSHL, 30 - 8 * k - 4 * 0).and(0xC0000000);
            IntVector highB = h1.lanewise(LSHL, 28 - 8 * k - 4 * 0).and(0xC0000000);
            FloatVector qa = (FloatVector) a1.lanewise(LSHL, 26 - 8 * k - 4 * 0).and(0x3C000000).or(highA).lanewise(LSHR, 26).convert(I2F, 0);
            FloatVector qb = (FloatVector) b1.lanewise(LSHL, 26 - 8 * k - 4 * 0).and(0x3C000000).or(highB).lanewise(LSHR, 26).convert(I2F, 0);
            t = qa.fma(FloatVector.fromArray(F, xp, x0 + 16 * k), t);
            u = qb.fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), u);
          }
          acc0 = t.fma(s.rearrange(PS4), acc0);
          acc1 = u.fma(s.rearrange(PS5), acc1);
        }
        {
          int x0 = j + 128 * 1 + 64 * 1;
          FloatVector t = FloatVector.zero(F), u = t;
          for (int k = 0; k < 2; k++) {
            IntVector highA = h1.lanewise(LSHL, 30 - 8 * k - 4 * 1).and(0xC0000000);
            IntVector highB = h1.lanewise(LSHL, 28 - 8 * k - 4 * 1).and(0xC0000000);
            FloatVector qa = (FloatVector) a1.lanewise(LSHL, 26 - 8 * k - 4 * 1).and(0x3C000000).or(highA).lanewise(LSHR, 26).convert(I2F, 0);
            FloatVector qb = (FloatVector) b1.lanewise(LSHL, 26 - 8 * k - 4 * 1).and(0x3C000000).or(highB).lanewise(LSHR, 26).convert(I2F, 0);
            t = qa.fma(FloatVector.fromArray(F, xp, x0 + 16 * k), t);
            u = qb.fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), u);
          }
          acc0 = t.fma(s.rearrange(PS6), acc0);
          acc1 = u.fma(s.rearrange(PS7), acc1);
        }
    }
    return acc0.add(acc1).reduceLanes(ADD) - 32 * off.reduceLanes(ADD);
  }
  // 8-lane forms (256-bit), x permuted for 8 lanes: x'[8k + i] = x[4i + k] per run of 32
  static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
  static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
  static final VectorMask<Float> UPPER8 = VectorMask.fromLong(F8, 0xF0L);
  static IntVector i8(long o) { return IntVector.fromMemorySegment(I8, m, o, ByteOrder.LITTLE_ENDIAN); }
  static float kOld8(long block, float[] xp, int n) {
    int L = 8, bytesPerLane = 4;
    FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
    for (int j = 0; j < n; j += BLOCK, block += BYTES) {
      float d = f16(block + 208);
      for (int half = 0; half < 2; half++) {
        IntVector a = i8(block + 64L * half), b = i8(block + 64L * half + 32), h = i8(block + 128 + 32L * half);
        long scales = block + 192 + 8L * half;
        for (int run = 0; run < 4; run++) {
          IntVector ql = (run & 1) == 0 ? a : b;
          int x0 = j + 128 * half + 32 * run;
          FloatVector t = FloatVector.zero(F8);
          for (int k = 0; k < bytesPerLane; k++) {
            IntVector low = ql.lanewise(LSHR, 8 * k + (run < 2 ? 0 : 4)).and(0xF);
            int hs = 8 * k + 2 * run - 4;
            IntVector high = (hs >= 0 ? h.lanewise(LSHR, hs) : h.lanewise(LSHL, -hs)).and(0x30);
            FloatVector q = (FloatVector) low.or(high).sub(32).convert(I2F, 0);
            t = q.fma(FloatVector.fromArray(F8, xp, x0 + L * k), t);
          }
          float s0 = d * m.get(ValueLayout.JAVA_BYTE, scales + 2 * run);
          float s1 = d * m.get(ValueLayout.JAVA_BYTE, scales + 2 * run + 1);
          FloatVector scale = FloatVector.broadcast(F8, s0).blend(s1, UPPER8);
          if ((run & 1) == 0) acc0 = t.fma(scale, acc0); else acc1 = t.fma(scale, acc1);
        }
      }
    }
    return acc0.add(acc1).reduceLanes(ADD);
  }
  static float kNew8(long block, float[] xp, float[] groupSums, int n) {
    FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
    float offset = 0f;
    for (int j = 0, g = 0; j < n; j += BLOCK, block += BYTES, g += 16) {
      float d = f16(block + 208);
      for (int i = 0; i < 16; i++) offset += d * m.get(ValueLayout.JAVA_BYTE, block + 192 + i) * groupSums[g + i];
      for (int half = 0; half < 2; half++) {
        IntVector a = i8(block + 64L * half), b = i8(block + 64L * half + 32), h = i8(block + 128 + 32L * half);
        long scales = block + 192 + 8L * half;
        for (int p = 0; p < 2; p++) {
          int x0 = j + 128 * half + 64 * p;
          FloatVector t = FloatVector.zero(F8), u = t;
          for (int k = 0; k < 4; k++) {
            int low = 26 - 8 * k - 4 * p;
            IntVector highA = h.lanewise(LSHL, 30 - 8 * k - 4 * p).and(0xC0000000);
            IntVector highB = h.lanewise(LSHL, 28 - 8 * k - 4 * p).and(0xC0000000);
            FloatVector qa = (FloatVector) a.lanewise(ROL, low & 31).and(0x3C000000).or(highA).lanewise(LSHR, 26).convert(I2F, 0);
            FloatVector qb = (FloatVector) b.lanewise(ROL, low & 31).and(0x3C000000).or(highB).lanewise(LSHR, 26).convert(I2F, 0);
            t = qa.fma(FloatVector.fromArray(F8, xp, x0 + 8 * k), t);
            u = qb.fma(FloatVector.fromArray(F8, xp, x0 + 32 + 8 * k), u);
          }
          int run = 2 * p;
          acc0 = t.fma(FloatVector.broadcast(F8, d * m.get(ValueLayout.JAVA_BYTE, scales + 2 * run)).blend(d * m.get(ValueLayout.JAVA_BYTE, scales + 2 * run + 1), UPPER8), acc0);
          acc1 = u.fma(FloatVector.broadcast(F8, d * m.get(ValueLayout.JAVA_BYTE, scales + 2 * run + 2)).blend(d * m.get(ValueLayout.JAVA_BYTE, scales + 2 * run + 3), UPPER8), acc1);
        }
      }
    }
    return acc0.add(acc1).reduceLanes(ADD) - 32 * offset;
  }
  static float[] perm8(float[] x) { float[] p = new float[x.length];
    for (int b=0;b<x.length;b+=32) for (int k=0;k<4;k++) for (int i=0;i<8;i++) p[b+8*k+i]=x[b+4*i+k];
    return p; }
  static float[] perm(float[] x) { float[] p = new float[x.length];
    for (int b=0;b<x.length;b+=32) for (int k=0;k<2;k++) for (int i=0;i<16;i++) p[b+16*k+i]=x[b+2*i+k];
    return p; }
  static float sink;
  public static void main(String[] a) {
    int cols = 2048; long rows = Long.parseLong(a[1]); long rowBytes = cols / BLOCK * BYTES; long size = rows * rowBytes;
    m = Arena.ofShared().allocate(size, 64);
    java.util.Random r = new java.util.Random(1);
    for (long i=0;i<size;i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
    for (long b=0;b<size;b+=BYTES) m.set(SH, b + 208, Float.floatToFloat16(0.0001f + 0.0001f*r.nextFloat()));
    float[] x = new float[cols]; for (int i=0;i<cols;i++) x[i]=(float) r.nextGaussian();
    float[] xp = perm(x); float[] xp8 = perm8(x); float[] gs = new float[cols/16];
    for (int g=0; g<gs.length; g++) { float s=0; for (int i=0;i<16;i++) s+=x[16*g+i]; gs[g]=s; }
    if (a[0].equals("CHECK")) { for (int rr=0; rr<5; rr++) { long b = rr*rowBytes; System.out.printf("ref %.7f old %.7f new %.7f%n", ref(b,x,cols), kOld(b,xp,cols), kNew(b,xp,gs,cols)); System.out.printf("  blend %.7f%n", kBl(b,xp,gs,cols)); System.out.printf("  vb %.7f vs %.7f two %.7f old8 %.7f new8 %.7f%n", kB(b,xp,gs,cols), kS(b,xp,gs,cols), kT(b,xp,gs,cols), kOld8(b,xp8,cols), kNew8(b,xp8,gs,cols)); } return; }
    String[] names = a[0].split(","); int rounds = 41; double[][] gv = new double[names.length][rounds];
    int passes = (int) Math.max(1, (32L<<20) / size);
    for (int round=-10; round<rounds; round++) for (int v=0; v<names.length; v++) {
      float s=0; long t0=System.nanoTime();
      for (int pp=0; pp<passes; pp++) for (long row=0; row<rows; row++) { long b=row*rowBytes;
        s += switch (names[v]) { case "new" -> kNew(b,xp,gs,cols); case "vb" -> kB(b,xp,gs,cols); case "two" -> kT(b,xp,gs,cols); case "blend" -> kBl(b,xp,gs,cols); case "old8" -> kOld8(b,xp8,cols); case "new8" -> kNew8(b,xp8,gs,cols); case "vs" -> kS(b,xp,gs,cols); default -> kOld(b,xp,cols); }; }
      if (round>=0) gv[v][round] = rows*cols*(double)passes/(System.nanoTime()-t0);
      sink += s;
    }
    for (int v=0; v<names.length; v++) { java.util.Arrays.sort(gv[v]); System.out.printf("%s median %.2f Gvalues/s (q1 %.2f q3 %.2f)%n", names[v], gv[v][rounds/2], gv[v][rounds/4], gv[v][3*rounds/4]); }
  }
}
