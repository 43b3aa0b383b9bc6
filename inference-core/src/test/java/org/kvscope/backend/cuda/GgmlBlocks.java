package org.kvscope.backend.cuda;

import org.kvscope.gguf.GGMLType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Test-side producer and scalar decoder of ggml weight rows: random valid blocks for every type the
 * CUDA kernels read, a Q8_0 quantizer, and a plain dequantizer written from the block layouts.
 */
final class GgmlBlocks {
    private GgmlBlocks() {}

    /** A random [rows][cols] matrix of {@code type} in raw GGUF layout with moderate scales. */
    static byte[] randomMatrix(GGMLType type, int rows, int cols, Random random) {
        long rowBytes = type.byteSize(cols);
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(rowBytes * rows)).order(ByteOrder.LITTLE_ENDIAN);
        int blocks = rows * (cols / type.blockSize());
        for (int b = 0; b < blocks; b++) {
            switch (type) {
                case F32 -> buf.putFloat(random.nextFloat() * 2 - 1);
                case F16 -> buf.putShort(Float.floatToFloat16(random.nextFloat() * 2 - 1));
                case BF16 -> buf.putShort((short) (Float.floatToRawIntBits(random.nextFloat() * 2 - 1) >>> 16));
                case Q8_0 -> {
                    buf.putShort(Float.floatToFloat16(0.001f + random.nextFloat() * 0.02f));
                    buf.put(randomBytes(random, 32));
                }
                case Q4_0 -> {
                    buf.putShort(Float.floatToFloat16(0.01f + random.nextFloat() * 0.1f));
                    buf.put(randomBytes(random, 16));
                }
                case Q4_K -> {
                    buf.putShort(Float.floatToFloat16(0.001f + random.nextFloat() * 0.01f));
                    buf.putShort(Float.floatToFloat16(0.001f + random.nextFloat() * 0.01f));
                    buf.put(randomBytes(random, 12 + 128));
                }
                case Q6_K -> {
                    buf.put(randomBytes(random, 128 + 64 + 16));
                    buf.putShort(Float.floatToFloat16(0.0005f + random.nextFloat() * 0.002f));
                }
                default -> throw new IllegalArgumentException("no random blocks for " + type);
            }
        }
        return buf.array();
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Q8_0 quantisation of one row (cols a multiple of 32): d = max|x| / 127, q = round(x / d). */
    static byte[] quantizeQ8_0(float[] row) {
        ByteBuffer buf = ByteBuffer.allocate(row.length / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < row.length; b += 32) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(row[b + i]));
            float d = amax / 127f;
            buf.putShort(Float.floatToFloat16(d));
            float inv = d == 0 ? 0 : 1 / d;
            for (int i = 0; i < 32; i++) buf.put((byte) Math.round(row[b + i] * inv));
        }
        return buf.array();
    }

    /** Decodes row {@code row} of a [rows][cols] matrix to floats. */
    static float[] dequantizeRow(GGMLType type, byte[] data, int row, int cols) {
        int rowBytes = (int) type.byteSize(cols);
        ByteBuffer in = ByteBuffer.wrap(data, row * rowBytes, rowBytes).slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[cols];
        switch (type) {
            case F32 -> { for (int i = 0; i < cols; i++) out[i] = in.getFloat(4 * i); }
            case F16 -> { for (int i = 0; i < cols; i++) out[i] = Float.float16ToFloat(in.getShort(2 * i)); }
            case BF16 -> { for (int i = 0; i < cols; i++) out[i] = Float.intBitsToFloat((in.getShort(2 * i) & 0xffff) << 16); }
            case Q8_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    float d = half(in, 34 * b);
                    for (int i = 0; i < 32; i++) out[32 * b + i] = d * in.get(34 * b + 2 + i);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    float d = half(in, 18 * b);
                    for (int i = 0; i < 16; i++) {
                        int q = in.get(18 * b + 2 + i) & 0xff;
                        out[32 * b + i] = d * ((q & 0xf) - 8);
                        out[32 * b + 16 + i] = d * ((q >> 4) - 8);
                    }
                }
            }
            case Q4_K -> { for (int b = 0; b < cols / 256; b++) decodeQ4K(in, 144 * b, out, 256 * b); }
            case Q6_K -> { for (int b = 0; b < cols / 256; b++) decodeQ6K(in, 210 * b, out, 256 * b); }
            default -> throw new IllegalArgumentException("cannot decode " + type);
        }
        return out;
    }

    private static float half(ByteBuffer in, int at) {
        return Float.float16ToFloat(in.getShort(at));
    }

    /** The 6-bit scale (index 0) and min (index 1) of Q4_K sub-block j from the 12 packed bytes at s. */
    static int[] q4kScaleMin(ByteBuffer in, int s, int j) {
        int[] b = new int[12];
        for (int i = 0; i < 12; i++) b[i] = in.get(s + i) & 0xff;
        if (j < 4) {
            return new int[] {b[j] & 63, b[j + 4] & 63};
        }
        return new int[] {(b[j + 4] & 0xf) | ((b[j - 4] >> 6) << 4), (b[j + 4] >> 4) | ((b[j] >> 6) << 4)};
    }

    private static void decodeQ4K(ByteBuffer in, int at, float[] out, int o) {
        float d = half(in, at);
        float dmin = half(in, at + 2);
        for (int sub = 0; sub < 8; sub++) {
            int[] sm = q4kScaleMin(in, at + 4, sub);
            int group = sub / 2;
            boolean high = sub % 2 == 1;
            for (int l = 0; l < 32; l++) {
                int q = in.get(at + 16 + 32 * group + l) & 0xff;
                int nibble = high ? q >> 4 : q & 0xf;
                out[o + 32 * sub + l] = d * sm[0] * nibble - dmin * sm[1];
            }
        }
    }

    private static void decodeQ6K(ByteBuffer in, int at, float[] out, int o) {
        float d = half(in, at + 208);
        for (int i = 0; i < 256; i++) {
            int half = i / 128;
            int r = i % 128;
            int quarter = r / 32;
            int l = r % 32;
            int qlByte = in.get(at + 64 * half + l + (quarter % 2 == 1 ? 32 : 0)) & 0xff;
            int low = quarter < 2 ? qlByte & 0xf : qlByte >> 4;
            int qhByte = in.get(at + 128 + 32 * half + l) & 0xff;
            int high = (qhByte >> (2 * quarter)) & 3;
            int scale = in.get(at + 192 + 8 * half + l / 16 + 2 * quarter);
            out[o + i] = d * scale * ((low | (high << 4)) - 32);
        }
    }
}
