package org.kvscope.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GGUFRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void everyScalarTypeReadsBackAsItsJavaClass() throws IOException {
        Path file = dir.resolve("scalars.gguf");
        new GGUFWriter()
                .put("u8", GGUFValueType.UINT8, 255)
                .put("i8", GGUFValueType.INT8, -128)
                .put("u16", GGUFValueType.UINT16, 65535)
                .put("i16", GGUFValueType.INT16, -32768)
                .putUInt32("u32", 4_294_967_295L)
                .putInt32("i32", Integer.MIN_VALUE)
                .putFloat32("f32", 1.5e-7f)
                .putBool("yes", true)
                .putBool("no", false)
                .putString("str", "héllo \u2603 wörld")
                .put("u64", GGUFValueType.UINT64, -1L)
                .put("i64", GGUFValueType.INT64, Long.MIN_VALUE)
                .put("f64", GGUFValueType.FLOAT64, Math.PI)
                .putString("empty", "")
                .write(file);

        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFMetadata m = f.metadata();
            assertEquals(3, f.version());
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "f32", "yes", "no", "str", "u64", "i64",
                    "f64", "empty"), List.copyOf(m.asMap().keySet()));
            assertEquals(255, m.get("u8"));
            assertEquals(-128, m.get("i8"));
            assertEquals(65535, m.get("u16"));
            assertEquals(-32768, m.get("i16"));
            assertEquals(4_294_967_295L, m.get("u32"));
            assertEquals(Integer.MIN_VALUE, m.get("i32"));
            assertEquals(1.5e-7f, m.get("f32"));
            assertEquals(Boolean.TRUE, m.get("yes"));
            assertEquals(Boolean.FALSE, m.get("no"));
            assertEquals("héllo \u2603 wörld", m.get("str"));
            assertEquals(-1L, m.get("u64"));
            assertEquals(Long.MIN_VALUE, m.get("i64"));
            assertEquals(Math.PI, m.get("f64"));
            assertEquals("", m.get("empty"));
            for (String key : List.of("u8", "i8", "u16", "i16", "i32")) {
                assertInstanceOf(Integer.class, m.get(key), key);
            }
            for (String key : List.of("u32", "u64", "i64")) {
                assertInstanceOf(Long.class, m.get(key), key);
            }
            assertEquals(GGUFValueType.UINT8, m.typeOf("u8"));
            assertEquals(GGUFValueType.UINT32, m.typeOf("u32"));
            assertEquals(GGUFValueType.FLOAT64, m.typeOf("f64"));
            assertEquals(GGUFValueType.STRING, m.typeOf("str"));
            assertTrue(f.tensors().isEmpty());
            assertEquals(32, f.alignment());
            assertEquals(0, f.dataOffset() % 32);
        }
    }

    @Test
    void everyArrayElementTypeReadsBackAsItsJavaArray() throws IOException {
        Path file = dir.resolve("arrays.gguf");
        new GGUFWriter()
                .putArray("u8", GGUFValueType.UINT8, new int[] {0, 7, 255})
                .putArray("i8", GGUFValueType.INT8, new int[] {-128, 0, 127})
                .putArray("u16", GGUFValueType.UINT16, new int[] {0, 65535})
                .putArray("i16", GGUFValueType.INT16, new int[] {-32768, 32767})
                .putArray("u32", GGUFValueType.UINT32, new long[] {0, 4_294_967_295L})
                .putInt32Array("i32", new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE})
                .putFloatArray("f32", new float[] {-0.0f, Float.NaN, Float.POSITIVE_INFINITY, 3.25f})
                .putArray("bool", GGUFValueType.BOOL, new boolean[] {true, false, true})
                .putStringArray("str", new String[] {"a", "", "ünï"})
                .putArray("u64", GGUFValueType.UINT64, new long[] {-1L, 5})
                .putArray("i64", GGUFValueType.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE})
                .putArray("f64", GGUFValueType.FLOAT64, new double[] {1e300, -2.5})
                .putArray("none", GGUFValueType.FLOAT32, new float[0])
                .write(file);

        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFMetadata m = f.metadata();
            assertArrayEquals(new int[] {0, 7, 255}, (int[]) m.get("u8"));
            assertArrayEquals(new int[] {-128, 0, 127}, (int[]) m.get("i8"));
            assertArrayEquals(new int[] {0, 65535}, (int[]) m.get("u16"));
            assertArrayEquals(new int[] {-32768, 32767}, (int[]) m.get("i16"));
            assertArrayEquals(new long[] {0, 4_294_967_295L}, (long[]) m.get("u32"));
            assertArrayEquals(new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE}, (int[]) m.get("i32"));
            assertArrayEquals(new float[] {-0.0f, Float.NaN, Float.POSITIVE_INFINITY, 3.25f}, (float[]) m.get("f32"));
            assertArrayEquals(new boolean[] {true, false, true}, (boolean[]) m.get("bool"));
            assertArrayEquals(new String[] {"a", "", "ünï"}, (String[]) m.get("str"));
            assertArrayEquals(new long[] {-1L, 5}, (long[]) m.get("u64"));
            assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, (long[]) m.get("i64"));
            assertArrayEquals(new double[] {1e300, -2.5}, (double[]) m.get("f64"));
            assertArrayEquals(new float[0], (float[]) m.get("none"));
            assertEquals(GGUFValueType.ARRAY, m.typeOf("u16"));
            assertEquals(GGUFValueType.UINT16, m.arrayElementType("u16"));
            assertEquals(GGUFValueType.STRING, m.arrayElementType("str"));
        }
    }

    @Test
    void nestedArraysReadBackAsObjectArrays() throws IOException {
        Path file = dir.resolve("nested.gguf");
        Object[] nested = {
            new GGUFWriter.TypedArray(GGUFValueType.UINT8, new int[] {1, 2}),
            new String[] {"x", "y"},
            new Object[] {new float[] {0.5f}, new Object[0]},
        };
        new GGUFWriter().putArray("nested", GGUFValueType.ARRAY, nested).putInt32("after", 9).write(file);

        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFMetadata m = f.metadata();
            assertEquals(GGUFValueType.ARRAY, m.arrayElementType("nested"));
            Object[] read = (Object[]) m.get("nested");
            assertEquals(3, read.length);
            assertArrayEquals(new int[] {1, 2}, (int[]) read[0]);
            assertArrayEquals(new String[] {"x", "y"}, (String[]) read[1]);
            Object[] inner = (Object[]) read[2];
            assertArrayEquals(new float[] {0.5f}, (float[]) inner[0]);
            assertArrayEquals(new Object[0], (Object[]) inner[1]);
            assertEquals(9, m.getInt("after"));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 64})
    void tensorsOfSeveralTypesAndShapesReadBackAtAlignedOffsets(int alignment) throws IOException {
        Random random = new Random(alignment);
        byte[] f32 = randomBytes(random, GGMLType.F32.byteSize(3 * 5));
        byte[] f16 = randomBytes(random, GGMLType.F16.byteSize(7));
        byte[] q8 = randomBytes(random, GGMLType.Q8_0.byteSize(64 * 2 * 3));
        byte[] q4k = randomBytes(random, GGMLType.Q4_K.byteSize(256));
        byte[] i8 = randomBytes(random, GGMLType.I8.byteSize(2 * 1 * 3 * 4));
        Path file = dir.resolve("tensors" + alignment + ".gguf");
        new GGUFWriter().alignment(alignment)
                .putString("general.architecture", "test")
                .addTensor("a.f32", GGMLType.F32, new long[] {3, 5}, f32)
                .addTensor("b.f16", GGMLType.F16, new long[] {7}, f16)
                .addTensor("c.q8", GGMLType.Q8_0, new long[] {64, 2, 3}, q8)
                .addTensor("d.q4k", GGMLType.Q4_K, new long[] {256, 1}, q4k)
                .addTensor("e.i8", GGMLType.I8, new long[] {2, 1, 3, 4}, i8)
                .write(file);

        try (GGUFFile f = GGUFFile.open(file)) {
            assertEquals(alignment, f.alignment());
            assertEquals(alignment != 32, f.metadata().contains("general.alignment"));
            assertEquals(0, f.dataOffset() % alignment);
            assertEquals(Files.size(file), f.fileSize());
            assertEquals(List.of("a.f32", "b.f16", "c.q8", "d.q4k", "e.i8"),
                    f.tensors().stream().map(GGUFTensorInfo::name).toList());
            for (GGUFTensorInfo t : f.tensors()) {
                assertEquals(0, t.offset() % alignment, t.name());
            }
            GGUFTensorInfo q = f.tensor("c.q8").orElseThrow();
            assertEquals(GGMLType.Q8_0, q.type());
            assertArrayEquals(new long[] {64, 2, 3}, q.shape());
            assertEquals(64, q.cols());
            assertEquals(6, q.rows());
            assertEquals(384, q.elementCount());
            assertEquals(q8.length, q.byteSize());
            GGUFTensorInfo e = f.tensor("e.i8").orElseThrow();
            assertEquals(4, e.dims());
            assertEquals(12, e.rows());
            assertArrayEquals(f32, bytes(f.tensorData(f.tensor("a.f32").orElseThrow())));
            assertArrayEquals(f16, bytes(f.tensorData(f.tensor("b.f16").orElseThrow())));
            assertArrayEquals(q8, bytes(f.tensorData(q)));
            assertArrayEquals(q4k, bytes(f.tensorData(f.tensor("d.q4k").orElseThrow())));
            assertArrayEquals(i8, bytes(f.tensorData(e)));
            assertTrue(f.tensorData(q).isReadOnly());
            assertFalse(f.tensor("missing").isPresent());
        }
    }

    @Test
    void tensorDataSliceReadsLittleEndianFloats() throws IOException {
        float[] values = {1f, -2.5f, 1e-3f, 42f};
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            data.putFloat(v);
        }
        Path file = dir.resolve("floats.gguf");
        new GGUFWriter().addTensor("w", GGMLType.F32, new long[] {4}, data.array()).write(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            MemorySegment seg = f.tensorData(f.tensors().getFirst());
            assertEquals(16, seg.byteSize());
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], seg.get(SegmentCursor.F32, 4L * i));
            }
        }
    }

    /** A sparse file whose second tensor ends beyond 2 GB: offsets and sizes must be longs throughout. */
    @Test
    void filesLargerThanTwoGigabytesUseLongOffsets() throws IOException {
        Path file = dir.resolve("large.gguf");
        new GGUFWriter().addTensor("small", GGMLType.F32, new long[] {8}, new byte[32])
                .addTensor("huge", GGMLType.F32, new long[] {8}, new byte[32]).write(file);
        long elements = 700_000_000L;
        long dataOffset;
        try (GGUFFile f = GGUFFile.open(file)) {
            dataOffset = f.dataOffset();
        }
        byte[] header = Files.readAllBytes(file);
        int shapeField = GGUFTestBytes.nameEnd(header, "huge") + 4;
        GGUFTestBytes.putU64(header, shapeField, elements);
        long hugeOffset = 32;
        long size = dataOffset + hugeOffset + 4 * elements;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(header, 0, (int) dataOffset);
            raf.setLength(size);
            raf.seek(size - 4);
            raf.write(new byte[] {0, 0, (byte) 0x80, 0x3f}); // 1.0f little-endian
        }
        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFTensorInfo huge = f.tensor("huge").orElseThrow();
            assertEquals(size, f.fileSize());
            assertEquals(4 * elements, huge.byteSize());
            MemorySegment data = f.tensorData(huge);
            assertEquals(4 * elements, data.byteSize());
            assertEquals(1.0f, data.get(SegmentCursor.F32, 4 * (elements - 1)));
        }
    }

    @Test
    void unsupportedButKnownTensorTypesStillLoad() throws IOException {
        Path file = dir.resolve("q5k.gguf");
        new GGUFWriter().addTensor("w", GGMLType.Q5_K, new long[] {256, 2}, new byte[2 * 176]).write(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            assertEquals(GGMLType.Q5_K, f.tensors().getFirst().type());
            assertFalse(f.tensors().getFirst().type().isSupported());
            assertEquals(352, f.tensorData(f.tensors().getFirst()).byteSize());
        }
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTempFiles() throws IOException {
        Path file = dir.resolve("replace.gguf");
        Files.writeString(file, "old contents");
        new GGUFWriter().putInt32("v", 2).write(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            assertEquals(2, f.metadata().getInt("v"));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void closedFileRefusesTensorDataAndCloseIsIdempotent() throws IOException {
        Path file = dir.resolve("closed.gguf");
        new GGUFWriter().addTensor("w", GGMLType.F32, new long[] {2}, new byte[8]).write(file);
        GGUFFile f = GGUFFile.open(file);
        GGUFTensorInfo t = f.tensors().getFirst();
        MemorySegment slice = f.tensorData(t);
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, () -> f.tensorData(t));
        assertThrows(IllegalStateException.class, () -> slice.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void tensorDataRejectsTensorsOfOtherFiles() throws IOException {
        Path file = dir.resolve("own.gguf");
        new GGUFWriter().addTensor("w", GGMLType.F32, new long[] {2}, new byte[8]).write(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFTensorInfo foreign = new GGUFTensorInfo("w", new long[] {1024}, GGMLType.F32, 0);
            assertThrows(IllegalArgumentException.class, () -> f.tensorData(foreign));
        }
    }

    static byte[] randomBytes(Random random, long n) {
        byte[] b = new byte[Math.toIntExact(n)];
        random.nextBytes(b);
        return b;
    }

    static byte[] bytes(MemorySegment segment) {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }
}
