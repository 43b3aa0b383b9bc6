package org.kvscope.gguf;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes GGUF version 3 files. Tensor data can be given eagerly or as a supplier called while
 * writing, so multi-gigabyte files stream one tensor at a time. The file is written to a
 * temporary sibling and moved into place, so a failure never leaves a half-written model.
 */
public final class GGUFWriter {
    private record Entry(GGUFValueType type, GGUFValueType elementType, Object value) {}

    private record Tensor(String name, GGMLType type, long[] shape, long bytes, Supplier<byte[]> data) {}

    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private int alignment = GGUFFile.DEFAULT_ALIGNMENT;

    /** Data alignment in bytes (a power of two); written as general.alignment when not 32. */
    public GGUFWriter alignment(int bytes) {
        if (bytes <= 0 || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + bytes);
        }
        alignment = bytes;
        return this;
    }

    /** A scalar or string value of the given type (Number, Boolean or String). */
    public GGUFWriter put(String key, GGUFValueType type, Object value) {
        if (type == GGUFValueType.ARRAY) {
            throw new IllegalArgumentException("use putArray for arrays ('" + key + "')");
        }
        metadata.put(key, new Entry(type, null, value));
        return this;
    }

    /** An array: a Java array (String[], float[], double[], boolean[], int[], long[] or Object[] of arrays). */
    public GGUFWriter putArray(String key, GGUFValueType elementType, Object javaArray) {
        metadata.put(key, new Entry(GGUFValueType.ARRAY, elementType, javaArray));
        return this;
    }

    public GGUFWriter putString(String key, String v) { return put(key, GGUFValueType.STRING, v); }

    public GGUFWriter putUInt32(String key, long v) { return put(key, GGUFValueType.UINT32, v); }

    public GGUFWriter putInt32(String key, int v) { return put(key, GGUFValueType.INT32, v); }

    public GGUFWriter putFloat32(String key, float v) { return put(key, GGUFValueType.FLOAT32, v); }

    public GGUFWriter putBool(String key, boolean v) { return put(key, GGUFValueType.BOOL, v); }

    public GGUFWriter putStringArray(String key, String[] v) { return putArray(key, GGUFValueType.STRING, v); }

    public GGUFWriter putFloatArray(String key, float[] v) { return putArray(key, GGUFValueType.FLOAT32, v); }

    public GGUFWriter putInt32Array(String key, int[] v) { return putArray(key, GGUFValueType.INT32, v); }

    /** Adds a tensor whose bytes are known now. */
    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, byte[] data) {
        long bytes = type.byteSize(elements(shape));
        if (data.length != bytes) {
            throw new IllegalArgumentException("tensor '" + name + "': " + type + " " + java.util.Arrays.toString(shape)
                    + " needs " + bytes + " bytes, got " + data.length);
        }
        return addTensor(name, type, shape, () -> data);
    }

    /** Adds a tensor whose bytes are produced while the file is written. */
    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, Supplier<byte[]> data) {
        tensors.add(new Tensor(name, type, shape.clone(), type.byteSize(elements(shape)), data));
        return this;
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public void write(Path path) throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            write(os);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public void write(OutputStream target) throws IOException {
        LittleEndianOut out = new LittleEndianOut(new BufferedOutputStream(target, 1 << 20));
        Map<String, Entry> md = new LinkedHashMap<>(metadata);
        if (alignment != GGUFFile.DEFAULT_ALIGNMENT) {
            md.put("general.alignment", new Entry(GGUFValueType.UINT32, null, (long) alignment));
        }
        out.i32(GGUFFile.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(md.size());
        for (Map.Entry<String, Entry> e : md.entrySet()) {
            out.string(e.getKey());
            out.i32(e.getValue().type().id());
            if (e.getValue().type() == GGUFValueType.ARRAY) {
                writeArray(out, e.getKey(), e.getValue().elementType(), e.getValue().value());
            } else {
                writeScalar(out, e.getKey(), e.getValue().type(), e.getValue().value());
            }
        }
        long offset = 0;
        for (Tensor t : tensors) {
            out.string(t.name());
            out.i32(t.shape().length);
            for (long d : t.shape()) {
                out.i64(d);
            }
            out.i32(t.type().id());
            out.i64(offset);
            offset = GGUFFile.align(offset + t.bytes(), alignment);
        }
        out.pad(alignment);
        for (Tensor t : tensors) {
            byte[] data = t.data().get();
            if (data.length != t.bytes()) {
                throw new IllegalStateException("tensor '" + t.name() + "' supplied " + data.length + " bytes, expected "
                        + t.bytes());
            }
            out.bytes(data);
            out.pad(alignment);
        }
        out.flush();
    }

    private static void writeScalar(LittleEndianOut out, String key, GGUFValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8, BOOL -> out.u8(v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).intValue());
            case UINT16, INT16 -> out.i16(((Number) v).intValue());
            case UINT32, INT32 -> out.i32((int) ((Number) v).longValue());
            case UINT64, INT64 -> out.i64(((Number) v).longValue());
            case FLOAT32 -> out.i32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case STRING -> out.string((String) v);
            case ARRAY -> throw new IllegalArgumentException("nested array needs an element type: " + key);
        }
    }

    private static void writeArray(LittleEndianOut out, String key, GGUFValueType el, Object array) throws IOException {
        out.i32(el.id());
        int n = java.lang.reflect.Array.getLength(array);
        out.i64(n);
        for (int i = 0; i < n; i++) {
            Object v = java.lang.reflect.Array.get(array, i);
            if (el == GGUFValueType.ARRAY) {
                Object inner = v;
                GGUFValueType innerType = inferElementType(inner);
                writeArray(out, key, innerType, inner);
            } else {
                writeScalar(out, key, el, v);
            }
        }
    }

    private static GGUFValueType inferElementType(Object array) {
        return switch (array) {
            case String[] s -> GGUFValueType.STRING;
            case float[] f -> GGUFValueType.FLOAT32;
            case double[] d -> GGUFValueType.FLOAT64;
            case boolean[] b -> GGUFValueType.BOOL;
            case int[] i -> GGUFValueType.INT32;
            case long[] l -> GGUFValueType.INT64;
            case Object[] o -> GGUFValueType.ARRAY;
            default -> throw new IllegalArgumentException("unsupported nested array " + array.getClass());
        };
    }

    /** Little-endian primitive output that tracks its position for padding. */
    private static final class LittleEndianOut {
        private final DataOutputStream out;
        private long position;

        LittleEndianOut(OutputStream os) {
            out = new DataOutputStream(os);
        }

        void u8(int v) throws IOException { out.write(v); position++; }

        void i16(int v) throws IOException { out.write(v); out.write(v >>> 8); position += 2; }

        void i32(int v) throws IOException { out.writeInt(Integer.reverseBytes(v)); position += 4; }

        void i64(long v) throws IOException { out.writeLong(Long.reverseBytes(v)); position += 8; }

        void bytes(byte[] b) throws IOException { out.write(b); position += b.length; }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void pad(int alignment) throws IOException {
            long target = GGUFFile.align(position, alignment);
            while (position < target) {
                u8(0);
            }
        }

        void flush() throws IOException { out.flush(); }
    }
}
