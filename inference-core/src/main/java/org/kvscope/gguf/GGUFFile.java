package org.kvscope.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (versions 2 and 3) memory-mapped with FFM: metadata and the tensor table are
 * parsed from the mapping, tensor data stays in the mapping (files larger than 2 GB work; nothing
 * is copied onto the heap). Every length and count is checked against the bytes that remain, so a
 * corrupt file fails fast with a {@link GGUFException} instead of allocating or hanging.
 */
public final class GGUFFile implements AutoCloseable {
    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    private static final long MAX_KEY_LENGTH = 1 << 16;
    private static final long MAX_STRING_LENGTH = 1L << 30;
    private static final int MAX_DEPTH = 8;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final GGUFMetadata metadata;
    private final List<GGUFTensorInfo> tensors;
    private final Map<String, GGUFTensorInfo> byName;
    private final long alignment;
    private final long dataOffset;

    private GGUFFile(Path path, Arena arena, MemorySegment mapping, int version, GGUFMetadata metadata,
                     List<GGUFTensorInfo> tensors, long alignment, long dataOffset) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.tensors = Collections.unmodifiableList(tensors);
        this.byName = new HashMap<>();
        tensors.forEach(t -> byName.put(t.name(), t));
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    /** Maps and parses a GGUF file. */
    public static GGUFFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new GGUFException("not a readable file: " + path);
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 24) {
                throw new GGUFException(path.getFileName() + " is not a GGUF file: only " + size
                        + " bytes (a GGUF header alone is 24)");
            }
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, mapping);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GGUFFile parse(Path path, Arena arena, MemorySegment mapping) throws GGUFException {
        SegmentReader r = new SegmentReader(mapping);
        int magic = r.i32("magic");
        if (magic != MAGIC) {
            throw new GGUFException(path.getFileName() + " is not a GGUF file: magic bytes are "
                    + describeMagic(magic) + ", expected 'GGUF'");
        }
        long version = r.u32("version");
        if (version != 2 && version != 3) {
            throw new GGUFException("GGUF version " + version + " is not supported; supported versions: 2, 3");
        }
        // each tensor info needs at least 8+1 (name) + 4 + 8 + 4 + 8 bytes; each kv at least 8+1+4+1
        long tensorCount = r.count("tensor count", 33);
        long kvCount = r.count("metadata count", 14);
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, GGUFValueType> types = new HashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = r.position();
            String key = r.string("metadata key", MAX_KEY_LENGTH);
            if (values.containsKey(key)) {
                throw new GGUFException("duplicate metadata key '" + key + "' at offset " + at);
            }
            GGUFValueType type = valueType(r, "metadata '" + key + "'");
            values.put(key, readValue(r, type, key, 0));
            types.put(key, type);
        }
        GGUFMetadata metadata = new GGUFMetadata(values, types);
        long alignment = DEFAULT_ALIGNMENT;
        if (metadata.contains("general.alignment")) {
            Object a = metadata.get("general.alignment");
            if (!(a instanceof Integer || a instanceof Long)) {
                throw new GGUFException("general.alignment must be an integer, is a " + a.getClass().getSimpleName());
            }
            alignment = ((Number) a).longValue();
            if (alignment <= 0 || Long.bitCount(alignment) != 1 || alignment > (1 << 24)) {
                throw new GGUFException("general.alignment " + alignment + " must be a power of two (e.g. 32)");
            }
        }
        List<GGUFTensorInfo> tensors = new ArrayList<>();
        Map<String, GGUFTensorInfo> seen = new HashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            GGUFTensorInfo t = readTensorInfo(r, alignment);
            if (seen.put(t.name(), t) != null) {
                throw new GGUFException("duplicate tensor name '" + t.name() + "'");
            }
            tensors.add(t);
        }
        long dataOffset = align(r.position(), alignment);
        long size = mapping.byteSize();
        if (dataOffset > size && !tensors.isEmpty()) {
            throw new GGUFException("file is truncated: tensor data would start at " + dataOffset + " but the file has "
                    + size + " bytes");
        }
        for (GGUFTensorInfo t : tensors) {
            long end;
            try {
                end = Math.addExact(Math.addExact(dataOffset, t.offset()), t.byteSize());
            } catch (ArithmeticException e) {
                throw new GGUFException("tensor '" + t.name() + "' has an absurd size or offset");
            }
            if (end > size) {
                throw new GGUFException("tensor '" + t.name() + "' (" + t.byteSize() + " bytes at data offset "
                        + t.offset() + ") points past the end of the file (" + size + " bytes): truncated or corrupt");
            }
        }
        return new GGUFFile(path, arena, mapping, (int) version, metadata, tensors, alignment, dataOffset);
    }

    private static GGUFTensorInfo readTensorInfo(SegmentReader r, long alignment) throws GGUFException {
        long at = r.position();
        String name = r.string("tensor name", MAX_KEY_LENGTH);
        long nDims = r.u32("dimension count of '" + name + "'");
        if (nDims < 1 || nDims > 4) {
            throw new GGUFException("tensor '" + name + "' has " + nDims + " dimensions; valid: 1..4 (offset " + at + ")");
        }
        long[] shape = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            shape[d] = r.i64("shape of '" + name + "'");
            if (shape[d] <= 0 || shape[d] > (1L << 40)) {
                throw new GGUFException("tensor '" + name + "' has invalid dimension " + shape[d]);
            }
            try {
                elements = Math.multiplyExact(elements, shape[d]);
            } catch (ArithmeticException e) {
                throw new GGUFException("tensor '" + name + "' has an absurd element count");
            }
        }
        int typeId = r.i32("type of '" + name + "'");
        GGMLType type;
        try {
            type = GGMLType.fromId(typeId);
        } catch (IllegalArgumentException e) {
            throw new GGUFException("tensor '" + name + "': " + e.getMessage());
        }
        if (elements % type.blockSize() != 0) {
            throw new GGUFException("tensor '" + name + "' has " + elements + " elements, not a multiple of "
                    + type + "'s block size " + type.blockSize());
        }
        long offset = r.i64("data offset of '" + name + "'");
        if (offset < 0 || offset % alignment != 0) {
            throw new GGUFException("tensor '" + name + "' data offset " + offset + " is not a multiple of the alignment "
                    + alignment);
        }
        return new GGUFTensorInfo(name, shape, type, offset);
    }

    private static GGUFValueType valueType(SegmentReader r, String what) throws GGUFException {
        long at = r.position();
        int id = r.i32("value type of " + what);
        try {
            return GGUFValueType.fromId(id);
        } catch (IllegalArgumentException e) {
            throw new GGUFException(what + " at offset " + at + ": " + e.getMessage());
        }
    }

    private static Object readValue(SegmentReader r, GGUFValueType type, String key, int depth) throws GGUFException {
        String w = "metadata '" + key + "'";
        return switch (type) {
            case UINT8 -> r.u8(w);
            case INT8 -> r.i8(w);
            case UINT16 -> r.u16(w);
            case INT16 -> r.i16(w);
            case UINT32 -> r.u32(w);
            case INT32 -> r.i32(w);
            case FLOAT32 -> r.f32(w);
            case BOOL -> r.u8(w) != 0;
            case STRING -> r.string(w, MAX_STRING_LENGTH);
            case UINT64, INT64 -> r.i64(w);
            case FLOAT64 -> r.f64(w);
            case ARRAY -> readArray(r, key, depth);
        };
    }

    private static Object readArray(SegmentReader r, String key, int depth) throws GGUFException {
        if (depth >= MAX_DEPTH) {
            throw new GGUFException("metadata '" + key + "' nests arrays more than " + MAX_DEPTH + " deep");
        }
        GGUFValueType el = valueType(r, "array '" + key + "'");
        long min = switch (el) {
            case STRING -> 8;
            case ARRAY -> 12;
            default -> el.size();
        };
        long n = r.count("element count of array '" + key + "'", min);
        if (n > Integer.MAX_VALUE - 8) {
            throw new GGUFException("array '" + key + "' has " + n + " elements; at most " + (Integer.MAX_VALUE - 8));
        }
        int count = (int) n;
        String w = "array '" + key + "'";
        switch (el) {
            case STRING -> {
                String[] a = new String[count];
                for (int i = 0; i < count; i++) {
                    a[i] = r.string(w + " element", MAX_STRING_LENGTH);
                }
                return a;
            }
            case FLOAT32 -> {
                float[] a = new float[count];
                for (int i = 0; i < count; i++) {
                    a[i] = r.f32(w);
                }
                return a;
            }
            case FLOAT64 -> {
                double[] a = new double[count];
                for (int i = 0; i < count; i++) {
                    a[i] = r.f64(w);
                }
                return a;
            }
            case BOOL -> {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) {
                    a[i] = r.u8(w) != 0;
                }
                return a;
            }
            case UINT8, INT8, UINT16, INT16, INT32 -> {
                int[] a = new int[count];
                for (int i = 0; i < count; i++) {
                    a[i] = (int) ((Number) readValue(r, el, key, depth)).longValue();
                }
                return a;
            }
            case UINT32, UINT64, INT64 -> {
                long[] a = new long[count];
                for (int i = 0; i < count; i++) {
                    a[i] = ((Number) readValue(r, el, key, depth)).longValue();
                }
                return a;
            }
            case ARRAY -> {
                Object[] a = new Object[count];
                for (int i = 0; i < count; i++) {
                    a[i] = readArray(r, key, depth + 1);
                }
                return a;
            }
            default -> throw new IllegalStateException();
        }
    }

    static long align(long offset, long alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    private static String describeMagic(int magic) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < 4; i++) {
            int b = (magic >>> (8 * i)) & 0xFF;
            sb.append(b >= 32 && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return sb.append("'").toString();
    }

    public Path path() { return path; }

    public int version() { return version; }

    public long fileSize() { return mapping.byteSize(); }

    public long alignment() { return alignment; }

    /** Offset of the tensor-data section from the start of the file. */
    public long dataOffset() { return dataOffset; }

    public GGUFMetadata metadata() { return metadata; }

    /** Tensor infos in file order. */
    public List<GGUFTensorInfo> tensors() { return tensors; }

    public Optional<GGUFTensorInfo> tensor(String name) { return Optional.ofNullable(byName.get(name)); }

    /** The tensor's bytes as a read-only slice of the mapping. */
    public MemorySegment tensorData(GGUFTensorInfo t) {
        return mapping.asSlice(dataOffset + t.offset(), t.byteSize()).asReadOnly();
    }

    /** Unmaps the file; tensors wrapping its data must not be used afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
