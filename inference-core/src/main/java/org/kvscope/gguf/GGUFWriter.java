package org.kvscope.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a GGUF version 3 file: metadata in insertion order, then tensors in insertion order,
 * each tensor's data aligned to {@link #alignment(int)}. Values use the Java classes described on
 * {@link GGUFMetadata}; integer values and arrays are range-checked against their GGUF type.
 *
 * <pre>{@code
 * new GGUFWriter().putString("general.architecture", "llama")
 *         .addTensor("w", GGMLType.F32, new long[] {4, 2}, bytes)
 *         .write(path);
 * }</pre>
 */
public final class GGUFWriter {

    /**
     * An element of an ARRAY of ARRAY with an explicit element type. Nested elements may also be
     * plain Java arrays, whose GGUF element type is then inferred: {@code String[]} STRING,
     * {@code float[]} FLOAT32, {@code double[]} FLOAT64, {@code boolean[]} BOOL, {@code int[]}
     * INT32, {@code long[]} INT64, {@code Object[]} ARRAY.
     *
     * @param elementType GGUF type of the elements
     * @param values      Java array of the elements, as accepted by {@link #putArray}
     */
    public record TypedArray(GGUFValueType elementType, Object values) {
        public TypedArray {
            Objects.requireNonNull(elementType, "elementType");
            Objects.requireNonNull(values, "values");
        }
    }

    private record PendingTensor(String name, GGMLType type, long[] shape, long bytes, java.util.function.Supplier<byte[]> data) {
    }

    private long alignment = GGUFHeaderParser.DEFAULT_ALIGNMENT;
    private final LinkedHashMap<String, MetadataEntry> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    /** An empty writer with alignment 32. */
    public GGUFWriter() {
    }

    /**
     * Sets the alignment of the tensor-data section and every tensor offset (default 32). Values
     * other than 32 are recorded as the UINT32 key {@code general.alignment}.
     */
    public GGUFWriter alignment(int bytes) {
        if (bytes <= 0 || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("alignment " + bytes + " is not a power of two; use e.g. 32 or 64");
        }
        this.alignment = bytes;
        return this;
    }

    /**
     * Adds a scalar value. Integer types accept any {@link Byte}, {@link Short}, {@link Integer}
     * or {@link Long} within the type's range (UINT64 takes the raw 64 bits of a long); float
     * types accept any {@link Number}. Use {@link #putArray} for arrays.
     */
    public GGUFWriter put(String key, GGUFValueType type, Object value) {
        checkKey(key);
        Objects.requireNonNull(type, "type");
        if (type == GGUFValueType.ARRAY) {
            throw new IllegalArgumentException("metadata key '" + key
                    + "': arrays need an element type; use putArray(key, elementType, array)");
        }
        metadata.put(key, new MetadataEntry(type, null, scalar(key, type, value)));
        return this;
    }

    /**
     * Adds an array value. Accepted Java arrays: STRING {@code String[]}; FLOAT32 {@code float[]};
     * FLOAT64 {@code double[]}; BOOL {@code boolean[]}; integer types {@code int[]} or {@code long[]}
     * (range-checked); ARRAY {@code Object[]} of {@link TypedArray}s or plain Java arrays.
     */
    public GGUFWriter putArray(String key, GGUFValueType elementType, Object javaArray) {
        checkKey(key);
        metadata.put(key, array(key, elementType, javaArray));
        return this;
    }

    /** Adds a STRING. */
    public GGUFWriter putString(String key, String value) { return put(key, GGUFValueType.STRING, value); }

    /** Adds a UINT32 (0 to 4294967295). */
    public GGUFWriter putUInt32(String key, long value) { return put(key, GGUFValueType.UINT32, value); }

    /** Adds an INT32. */
    public GGUFWriter putInt32(String key, int value) { return put(key, GGUFValueType.INT32, value); }

    /** Adds a FLOAT32. */
    public GGUFWriter putFloat32(String key, float value) { return put(key, GGUFValueType.FLOAT32, value); }

    /** Adds a BOOL. */
    public GGUFWriter putBool(String key, boolean value) { return put(key, GGUFValueType.BOOL, value); }

    /** Adds an ARRAY of STRING. */
    public GGUFWriter putStringArray(String key, String[] values) {
        return putArray(key, GGUFValueType.STRING, values);
    }

    /** Adds an ARRAY of FLOAT32. */
    public GGUFWriter putFloatArray(String key, float[] values) {
        return putArray(key, GGUFValueType.FLOAT32, values);
    }

    /** Adds an ARRAY of INT32. */
    public GGUFWriter putInt32Array(String key, int[] values) {
        return putArray(key, GGUFValueType.INT32, values);
    }

    /**
     * Adds a tensor. {@code shape} is ggml {@code ne[]} (innermost first, 1 to 4 dimensions, element
     * count a multiple of the type's block size); {@code data.length} must equal
     * {@code type.byteSize(elements)}. The data array is not copied: do not modify it before
     * {@link #write}.
     */
    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, byte[] data) {
        Objects.requireNonNull(data, "data");
        long expected = checkTensor(name, type, shape);
        if (data.length != expected) {
            throw new IllegalArgumentException("tensor '" + name + "' " + type + " " + Arrays.toString(shape)
                    + " needs " + expected + " bytes of data, got " + data.length);
        }
        return add(name, type, shape, expected, () -> data);
    }

    /**
     * Adds a tensor whose bytes are produced while the file is written, so multi-gigabyte files
     * stream with one tensor in memory at a time. The supplier must return exactly
     * {@code type.byteSize(elements)} bytes.
     */
    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, java.util.function.Supplier<byte[]> data) {
        Objects.requireNonNull(data, "data");
        return add(name, type, shape, checkTensor(name, type, shape), data);
    }

    private GGUFWriter add(String name, GGMLType type, long[] shape, long bytes,
                           java.util.function.Supplier<byte[]> data) {
        tensors.add(new PendingTensor(name, type, new GGUFTensorInfo(name, shape, type, 0).shape(), bytes, data));
        tensorNames.add(name);
        return this;
    }

    /** Validates a tensor's name and shape; returns its byte size. */
    private long checkTensor(String name, GGMLType type, long[] shape) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        checkName(name, "tensor name");
        if (tensorNames.contains(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added; names must be unique");
        }
        try {
            return new GGUFTensorInfo(name, shape, type, 0).byteSize();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "' shape " + Arrays.toString(shape)
                    + " does not fit type " + type + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the file at {@code path}, as an ordinary write would: a new file gets the default
     * permissions of a new file, an existing one is truncated and keeps its permissions, and a
     * symbolic link is written through. Not atomic: a caller that must never leave a partial file
     * writes to a temporary file and moves it (the CLI's {@code synth} goes through
     * {@code AtomicFiles}, which also keeps links, permissions and devices as they are).
     */
    public void write(Path path) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            writeTo(new LittleEndianOutput(os));
        }
    }

    private void writeTo(LittleEndianOutput out) throws IOException {
        boolean writeAlignment = alignment != GGUFHeaderParser.DEFAULT_ALIGNMENT;
        out.i32(GGUFHeaderParser.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size() + (writeAlignment ? 1 : 0));
        if (writeAlignment) {
            out.string(GGUFHeaderParser.ALIGNMENT_KEY);
            out.i32(GGUFValueType.UINT32.id());
            out.i32((int) alignment);
        }
        for (Map.Entry<String, MetadataEntry> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.i32(e.getValue().type().id());
            writeValue(out, e.getValue());
        }
        long[] offsets = new long[tensors.size()];
        long offset = 0;
        for (int i = 0; i < tensors.size(); i++) {
            offset = (offset + alignment - 1) / alignment * alignment;
            offsets[i] = offset;
            offset += tensors.get(i).bytes();
        }
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor t = tensors.get(i);
            out.string(t.name());
            out.i32(t.shape().length);
            for (long d : t.shape()) {
                out.i64(d);
            }
            out.i32(t.type().id());
            out.i64(offsets[i]);
        }
        out.padTo(alignment);
        long dataStart = out.position();
        for (int i = 0; i < tensors.size(); i++) {
            while (out.position() - dataStart < offsets[i]) {
                out.i8(0);
            }
            byte[] data = tensors.get(i).data().get();
            if (data.length != tensors.get(i).bytes()) {
                throw new IllegalStateException("tensor '" + tensors.get(i).name() + "' supplied " + data.length
                        + " bytes, expected " + tensors.get(i).bytes());
            }
            out.bytes(data, data.length);
        }
    }

    private static void writeValue(LittleEndianOutput out, MetadataEntry e) throws IOException {
        if (e.type() == GGUFValueType.ARRAY) {
            writeArray(out, e.elementType(), e.value());
        } else {
            writeScalar(out, e.type(), e.value());
        }
    }

    private static void writeScalar(LittleEndianOutput out, GGUFValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.i8((Integer) v);
            case UINT16, INT16 -> out.i16((Integer) v);
            case UINT32 -> out.i32((int) (long) (Long) v);
            case INT32 -> out.i32((Integer) v);
            case UINT64, INT64 -> out.i64((Long) v);
            case FLOAT32 -> out.f32((Float) v);
            case FLOAT64 -> out.f64((Double) v);
            case BOOL -> out.i8((Boolean) v ? 1 : 0);
            case STRING -> out.string((String) v);
            case ARRAY -> throw new IllegalStateException("arrays are written by writeArray");
        }
    }

    private static void writeArray(LittleEndianOutput out, GGUFValueType elementType, Object values)
            throws IOException {
        out.i32(elementType.id());
        switch (values) {
            case int[] a -> {
                out.i64(a.length);
                for (int v : a) {
                    writeScalar(out, elementType, v);
                }
            }
            case long[] a -> {
                out.i64(a.length);
                for (long v : a) {
                    if (elementType == GGUFValueType.UINT32) {
                        out.i32((int) v);
                    } else {
                        out.i64(v);
                    }
                }
            }
            case float[] a -> {
                out.i64(a.length);
                for (float v : a) {
                    out.f32(v);
                }
            }
            case double[] a -> {
                out.i64(a.length);
                for (double v : a) {
                    out.f64(v);
                }
            }
            case boolean[] a -> {
                out.i64(a.length);
                for (boolean v : a) {
                    out.i8(v ? 1 : 0);
                }
            }
            case String[] a -> {
                out.i64(a.length);
                for (String v : a) {
                    out.string(v);
                }
            }
            case MetadataEntry[] a -> {
                out.i64(a.length);
                for (MetadataEntry nested : a) {
                    writeArray(out, nested.elementType(), nested.value());
                }
            }
            default -> throw new IllegalStateException("unexpected stored array " + values.getClass());
        }
    }

    private void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        checkName(key, "metadata key");
        if (key.equals(GGUFHeaderParser.ALIGNMENT_KEY)) {
            throw new IllegalArgumentException("set " + GGUFHeaderParser.ALIGNMENT_KEY + " with alignment(int)");
        }
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key + "' was already put; keys must be unique");
        }
    }

    private static void checkName(String name, String what) {
        long length = name.getBytes(StandardCharsets.UTF_8).length;
        if (length == 0 || length > GGUFHeaderParser.MAX_KEY_LENGTH) {
            throw new IllegalArgumentException(what + " '" + abbreviate(name) + "' is " + length
                    + " bytes; valid is 1 to " + GGUFHeaderParser.MAX_KEY_LENGTH + " bytes of UTF-8");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** Validates a scalar and converts it to the canonical Java class of its type. */
    private static Object scalar(String key, GGUFValueType type, Object value) {
        Objects.requireNonNull(value, () -> "metadata key '" + key + "': value is null");
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, INT32 -> (int) integer(key, type, value);
            case UINT32, INT64, UINT64 -> integer(key, type, value);
            case FLOAT32 -> number(key, type, value).floatValue();
            case FLOAT64 -> number(key, type, value).doubleValue();
            case BOOL -> {
                if (value instanceof Boolean b) {
                    yield b;
                }
                throw wrongClass(key, type, value, "Boolean");
            }
            case STRING -> {
                if (value instanceof String s) {
                    yield s;
                }
                throw wrongClass(key, type, value, "String");
            }
            case ARRAY -> throw new IllegalStateException("arrays are converted by array()");
        };
    }

    private static long integer(String key, GGUFValueType type, Object value) {
        if (!(value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long)) {
            throw wrongClass(key, type, value, "Byte, Short, Integer or Long");
        }
        return inRange(key, type, ((Number) value).longValue(), -1);
    }

    /** Checks that {@code v} (array element {@code index}, or -1 for a scalar) fits integer type {@code type}. */
    private static long inRange(String key, GGUFValueType type, long v, int index) {
        long min = minOf(type);
        long max = maxOf(type);
        if (v < min || v > max) {
            throw new IllegalArgumentException("metadata key '" + key + "'" + (index < 0 ? "" : " element " + index)
                    + ": " + v + " is outside the " + type + " range " + min + ".." + max);
        }
        return v;
    }

    private static Number number(String key, GGUFValueType type, Object value) {
        if (value instanceof Number n) {
            return n;
        }
        throw wrongClass(key, type, value, "a Number");
    }

    private static IllegalArgumentException wrongClass(String key, GGUFValueType type, Object value, String valid) {
        return new IllegalArgumentException("metadata key '" + key + "': a " + type + " value must be " + valid
                + ", got " + value.getClass().getSimpleName());
    }

    /** Validates an array and copies it into the canonical Java array class of its element type. */
    private static MetadataEntry array(String key, GGUFValueType elementType, Object values) {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(values, () -> "metadata key '" + key + "': array is null");
        Object stored = switch (elementType) {
            case STRING -> {
                String[] a = ((String[]) expect(key, elementType, values, String[].class)).clone();
                for (int i = 0; i < a.length; i++) {
                    Objects.requireNonNull(a[i], "metadata key '" + key + "': string element " + i + " is null");
                }
                yield a;
            }
            case FLOAT32 -> ((float[]) expect(key, elementType, values, float[].class)).clone();
            case FLOAT64 -> ((double[]) expect(key, elementType, values, double[].class)).clone();
            case BOOL -> ((boolean[]) expect(key, elementType, values, boolean[].class)).clone();
            case UINT8, INT8, UINT16, INT16, INT32 -> {
                long[] wide = integers(key, elementType, values);
                int[] a = new int[wide.length];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (int) inRange(key, elementType, wide[i], i);
                }
                yield a;
            }
            case UINT32, INT64, UINT64 -> {
                long[] a = integers(key, elementType, values);
                for (int i = 0; i < a.length; i++) {
                    inRange(key, elementType, a[i], i);
                }
                yield a;
            }
            case ARRAY -> {
                Object[] a = (Object[]) expect(key, elementType, values, Object[].class);
                MetadataEntry[] nested = new MetadataEntry[a.length];
                for (int i = 0; i < a.length; i++) {
                    nested[i] = nestedArray(key, i, a[i]);
                }
                yield nested;
            }
        };
        return new MetadataEntry(GGUFValueType.ARRAY, elementType, stored);
    }

    private static MetadataEntry nestedArray(String key, int index, Object element) {
        String where = key + "[" + index + "]";
        return switch (element) {
            case TypedArray t -> array(where, t.elementType(), t.values());
            case String[] a -> array(where, GGUFValueType.STRING, a);
            case float[] a -> array(where, GGUFValueType.FLOAT32, a);
            case double[] a -> array(where, GGUFValueType.FLOAT64, a);
            case boolean[] a -> array(where, GGUFValueType.BOOL, a);
            case int[] a -> array(where, GGUFValueType.INT32, a);
            case long[] a -> array(where, GGUFValueType.INT64, a);
            case Object[] a -> array(where, GGUFValueType.ARRAY, a);
            case null -> throw new IllegalArgumentException("metadata key '" + where + "': nested array is null");
            default -> throw new IllegalArgumentException("metadata key '" + where
                    + "': elements of an ARRAY of ARRAY must be TypedArray or Java arrays, got "
                    + element.getClass().getSimpleName());
        };
    }

    private static Object expect(String key, GGUFValueType elementType, Object values, Class<?> cls) {
        if (!cls.isInstance(values)) {
            throw new IllegalArgumentException("metadata key '" + key + "': an ARRAY of " + elementType
                    + " must be given as " + cls.getSimpleName() + ", got " + values.getClass().getSimpleName());
        }
        return values;
    }

    private static long[] integers(String key, GGUFValueType elementType, Object values) {
        return switch (values) {
            case int[] a -> Arrays.stream(a).asLongStream().toArray();
            case long[] a -> a.clone();
            default -> throw new IllegalArgumentException("metadata key '" + key + "': an ARRAY of " + elementType
                    + " must be given as int[] or long[], got " + values.getClass().getSimpleName());
        };
    }

    private static long minOf(GGUFValueType t) {
        return switch (t) {
            case INT8 -> Byte.MIN_VALUE;
            case INT16 -> Short.MIN_VALUE;
            case INT32 -> Integer.MIN_VALUE;
            case INT64, UINT64 -> Long.MIN_VALUE;
            default -> 0;
        };
    }

    private static long maxOf(GGUFValueType t) {
        return switch (t) {
            case UINT8 -> 0xFF;
            case INT8 -> Byte.MAX_VALUE;
            case UINT16 -> 0xFFFF;
            case INT16 -> Short.MAX_VALUE;
            case UINT32 -> 0xFFFF_FFFFL;
            case INT32 -> Integer.MAX_VALUE;
            default -> Long.MAX_VALUE;
        };
    }
}
