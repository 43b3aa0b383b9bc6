package org.kvscope.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * Parses and validates the header of a GGUF file (versions 2 and 3) from a memory segment.
 * Every count and length is checked against the bytes that remain before anything is
 * allocated, so corrupt input fails fast with a {@link GGUFException}.
 */
final class GGUFHeaderParser {
    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final long MAX_KEY_LENGTH = 1L << 24;
    static final long MAX_JAVA_ARRAY = Integer.MAX_VALUE - 8;
    static final int MAX_ARRAY_DEPTH = 64;
    static final long DEFAULT_ALIGNMENT = 32;
    static final long MAX_ALIGNMENT = 1L << 31;
    static final String ALIGNMENT_KEY = "general.alignment";
    /** magic + version + tensor count + kv count. */
    static final int FIXED_HEADER_SIZE = 24;
    /** key length + value type + one byte of value. */
    private static final long MIN_KV_SIZE = 8 + 4 + 1;
    /** name length + n_dims + one dimension + type + offset. */
    private static final long MIN_TENSOR_INFO_SIZE = 8 + 4 + 8 + 4 + 8;

    private final SegmentCursor in;

    private GGUFHeaderParser(MemorySegment segment) {
        this.in = new SegmentCursor(segment);
    }

    /** Parses the header in {@code file} (the whole file's bytes). */
    static GGUFHeader parse(MemorySegment file) throws GGUFException {
        return new GGUFHeaderParser(file).parse();
    }

    private GGUFHeader parse() throws GGUFException {
        checkMagic();
        int version = readVersion();

        long countsAt = in.position();
        long tensorCount = in.i64("tensor count");
        long kvCount = in.i64("metadata key/value count");
        checkCount(tensorCount, MIN_TENSOR_INFO_SIZE, "tensor count", "tensor infos", countsAt);
        checkCount(kvCount, MIN_KV_SIZE, "metadata key/value count", "key/value pairs", countsAt + 8);

        LinkedHashMap<String, MetadataEntry> entries = new LinkedHashMap<>();
        long alignmentAt = -1;
        for (long i = 0; i < kvCount; i++) {
            long keyAt = in.position();
            String key = in.string(MAX_KEY_LENGTH, "metadata key #" + i);
            if (entries.containsKey(key)) {
                throw GGUFException.at(keyAt, "duplicate metadata key " + PrintableText.quote(key) + "; keys must be unique");
            }
            GGUFValueType type = valueType("metadata key " + PrintableText.quote(key));
            if (key.equals(ALIGNMENT_KEY)) {
                alignmentAt = in.position();
            }
            entries.put(key, readValue(type, key));
        }
        GGUFMetadata metadata = new GGUFMetadata(entries);
        long alignment = alignment(metadata, alignmentAt);

        List<ParsedTensor> parsed = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            long nameAt = in.position();
            String name = in.string(MAX_KEY_LENGTH, "name of tensor #" + i);
            if (!names.add(name)) {
                throw GGUFException.at(nameAt, "duplicate tensor name " + PrintableText.quote(name) + "; names must be unique");
            }
            parsed.add(readTensorInfo(name, alignment));
        }
        long dataOffset = alignUp(in.position(), alignment);
        long available = in.size() - dataOffset;
        List<GGUFTensorInfo> tensors = new ArrayList<>(parsed.size());
        for (ParsedTensor p : parsed) {
            GGUFTensorInfo t = p.info();
            long bytes = t.byteSize();
            if (t.offset() > available || bytes > available - t.offset()) {
                throw GGUFException.at(p.offsetFieldAt(), "tensor " + PrintableText.quote(t.name()) + " data (" + bytes
                        + " bytes at data offset " + t.offset() + ", absolute " + (dataOffset + t.offset())
                        + ") points past the end of the file (" + in.size() + " bytes)");
            }
            tensors.add(t);
        }
        checkNoOverlap(parsed);
        return new GGUFHeader(version, metadata, List.copyOf(tensors), alignment, dataOffset);
    }

    /** Tensor data ranges must not share bytes (empty tensors aside): overlapping tensors mean a damaged table. */
    private static void checkNoOverlap(List<ParsedTensor> parsed) throws GGUFException {
        List<ParsedTensor> byOffset = new ArrayList<>(parsed);
        byOffset.removeIf(p -> p.info().byteSize() == 0);
        byOffset.sort(Comparator.comparingLong(p -> p.info().offset()));
        for (int i = 1; i < byOffset.size(); i++) {
            GGUFTensorInfo before = byOffset.get(i - 1).info();
            GGUFTensorInfo t = byOffset.get(i).info();
            if (t.offset() < before.offset() + before.byteSize()) {
                throw GGUFException.at(byOffset.get(i).offsetFieldAt(), "tensor " + PrintableText.quote(t.name())
                        + " data at data offset " + t.offset() + " overlaps tensor " + PrintableText.quote(before.name())
                        + " (" + before.byteSize() + " bytes at data offset " + before.offset()
                        + "); every tensor needs its own bytes");
            }
        }
    }

    private void checkMagic() throws GGUFException {
        if (in.size() < 4) {
            throw GGUFException.at(0, "not a GGUF file: it is only " + in.size()
                    + " bytes long, too short for the 'GGUF' magic and header");
        }
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            byte[] b = in.segment().asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE);
            throw GGUFException.at(0, "not a GGUF file: magic bytes are " + describeBytes(b)
                    + ", expected 'GGUF' (47 47 55 46)");
        }
    }

    private int readVersion() throws GGUFException {
        long at = in.position();
        int version = in.i32("version");
        if (version == 2 || version == 3) {
            return version;
        }
        int swapped = Integer.reverseBytes(version);
        if (swapped == 2 || swapped == 3) {
            throw GGUFException.at(at, "big-endian GGUF files (version " + swapped
                    + " stored big-endian) are not supported; only little-endian versions 2 and 3 are");
        }
        if (version == 1) {
            throw GGUFException.at(at, "GGUF version 1 is not supported; supported versions are 2 and 3");
        }
        throw GGUFException.at(at, "unsupported GGUF version " + Integer.toUnsignedString(version)
                + "; supported versions are 2 and 3");
    }

    private void checkCount(long count, long minItemSize, String what, String items, long at) throws GGUFException {
        long max = in.remaining() / minItemSize;
        if (count < 0 || count > max) {
            throw GGUFException.at(at, what + " " + Long.toUnsignedString(count) + " is impossible: the remaining "
                    + in.remaining() + " bytes can hold at most " + max + " " + items);
        }
    }

    private GGUFValueType valueType(String context) throws GGUFException {
        long at = in.position();
        int id = in.i32("value type of " + context);
        try {
            return GGUFValueType.fromId(id);
        } catch (IllegalArgumentException e) {
            throw GGUFException.at(at, context + ": " + e.getMessage());
        }
    }

    private MetadataEntry readValue(GGUFValueType type, String key) throws GGUFException {
        if (type == GGUFValueType.ARRAY) {
            return readArray(key, 0);
        }
        return new MetadataEntry(type, null, readScalar(type, "value of metadata key " + PrintableText.quote(key)));
    }

    /** Reads one non-array value; {@code what} describes it for error messages. */
    private Object readScalar(GGUFValueType type, String what) throws GGUFException {
        return switch (type) {
            case UINT8 -> in.i8(what) & 0xFF;
            case INT8 -> (int) in.i8(what);
            case UINT16 -> in.i16(what) & 0xFFFF;
            case INT16 -> (int) in.i16(what);
            case UINT32 -> in.u32(what);
            case INT32 -> in.i32(what);
            case FLOAT32 -> in.f32(what);
            case BOOL -> readBool(what);
            case STRING -> in.string(MAX_JAVA_ARRAY, "string " + what);
            case UINT64, INT64 -> in.i64(what);
            case FLOAT64 -> in.f64(what);
            case ARRAY -> throw new IllegalStateException("arrays are read by readArray");
        };
    }

    private boolean readBool(String what) throws GGUFException {
        long at = in.position();
        byte b = in.i8(what);
        if (b != 0 && b != 1) {
            throw GGUFException.at(at, "BOOL " + what + " is " + b + "; valid values are 0 and 1");
        }
        return b == 1;
    }

    private MetadataEntry readArray(String key, int depth) throws GGUFException {
        long at = in.position();
        if (depth >= MAX_ARRAY_DEPTH) {
            throw GGUFException.at(at, "metadata key " + PrintableText.quote(key) + " nests arrays deeper than "
                    + MAX_ARRAY_DEPTH + " levels");
        }
        GGUFValueType elementType = valueType("array element type of metadata key " + PrintableText.quote(key));
        long countAt = in.position();
        long count = in.i64("array length of metadata key " + PrintableText.quote(key));
        long max = Math.min(in.remaining() / elementType.minEncodedSize(), MAX_JAVA_ARRAY);
        if (count < 0 || count > max) {
            throw GGUFException.at(countAt, "array of metadata key " + PrintableText.quote(key) + " claims "
                    + Long.toUnsignedString(count) + " " + elementType + " elements, but the remaining "
                    + in.remaining() + " bytes can hold at most " + max);
        }
        int n = (int) count;
        String elementWhat = "array element of metadata key " + PrintableText.quote(key);
        Object values = switch (elementType) {
            case FLOAT32 -> in.f32Array(n);
            case FLOAT64 -> in.f64Array(n);
            case INT32 -> in.i32Array(n);
            case UINT64, INT64 -> in.i64Array(n);
            case UINT32 -> {
                int[] raw = in.i32Array(n);
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Integer.toUnsignedLong(raw[i]);
                }
                yield a;
            }
            case UINT8, INT8, UINT16, INT16 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (Integer) readScalar(elementType, elementWhat);
                }
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readBool(elementWhat);
                }
                yield a;
            }
            case STRING -> {
                // Checked here, decoded on first use: most commands never read a vocabulary's strings twice
                // and bench never reads them (issue 17, peak memory).
                long start = in.position();
                for (int i = 0; i < n; i++) {
                    in.skipString(MAX_JAVA_ARRAY, "string " + elementWhat);
                }
                yield n == 0 ? new String[0] : new LazyStrings(in.segment(), start, n);
            }
            case ARRAY -> {
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readArray(key, depth + 1).value();
                }
                yield a;
            }
        };
        return new MetadataEntry(GGUFValueType.ARRAY, elementType, values);
    }

    private long alignment(GGUFMetadata metadata, long at) throws GGUFException {
        MetadataEntry e = metadata.entry(ALIGNMENT_KEY);
        if (e == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!e.type().isInteger()) {
            throw GGUFException.at(at, ALIGNMENT_KEY + " has type " + e.describeType()
                    + "; it must be an integer (normally UINT32)");
        }
        long a = ((Number) e.value()).longValue();
        if (a <= 0 || a > MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw GGUFException.at(at, ALIGNMENT_KEY + " is "
                    + (e.type() == GGUFValueType.UINT64 ? Long.toUnsignedString(a) : Long.toString(a))
                    + "; it must be a power of two from 1 to " + MAX_ALIGNMENT + " (default "
                    + DEFAULT_ALIGNMENT + ")");
        }
        return a;
    }

    /** A tensor info and the file position of its offset field, for error messages. */
    private record ParsedTensor(GGUFTensorInfo info, long offsetFieldAt) {
    }

    private ParsedTensor readTensorInfo(String name, long alignment) throws GGUFException {
        String what = "tensor " + PrintableText.quote(name);
        long dimsAt = in.position();
        long nDims = in.u32("dimension count of " + what);
        if (nDims < 1 || nDims > GGUFTensorInfo.MAX_DIMS) {
            throw GGUFException.at(dimsAt, what + " has " + nDims + " dimensions; valid is 1 to "
                    + GGUFTensorInfo.MAX_DIMS);
        }
        long shapeAt = in.position();
        long[] shape = new long[(int) nDims];
        for (int d = 0; d < nDims; d++) {
            shape[d] = in.i64("dimension " + d + " of " + what);
            if (shape[d] < 0) {
                throw GGUFException.at(shapeAt, what + " dimension " + d + " is "
                        + Long.toUnsignedString(shape[d]) + "; dimensions must be 0 to " + Long.MAX_VALUE);
            }
        }
        long typeAt = in.position();
        int typeId = in.i32("type of " + what);
        GGMLType type;
        try {
            type = GGMLType.fromId(typeId);
        } catch (IllegalArgumentException e) {
            throw GGUFException.at(typeAt, what + ": " + e.getMessage());
        }
        long offsetAt = in.position();
        long offset = in.i64("data offset of " + what);
        if (offset < 0 || offset % alignment != 0) {
            throw GGUFException.at(offsetAt, what + " has data offset " + Long.toUnsignedString(offset)
                    + "; offsets must be non-negative multiples of the alignment " + alignment);
        }
        GGUFTensorInfo info = new GGUFTensorInfo(name, shape, type, offset);
        try {
            info.byteSize();
        } catch (ArithmeticException e) {
            throw GGUFException.at(shapeAt, what + " shape " + Arrays.toString(shape)
                    + " overflows: its element count or byte size exceeds " + Long.MAX_VALUE);
        } catch (IllegalArgumentException e) {
            // Rows need not be whole blocks (older quantizers packed blocks across rows), the tensor must.
            throw GGUFException.at(shapeAt, what + " shape " + Arrays.toString(shape) + " does not fit type "
                    + type + ": " + e.getMessage());
        }
        return new ParsedTensor(info, offsetAt);
    }

    private static long alignUp(long position, long alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    private static String describeBytes(byte[] bytes) {
        StringBuilder text = new StringBuilder("'");
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes) {
            text.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
            hex.append(hex.isEmpty() ? "" : " ").append(String.format("%02X", b & 0xFF));
        }
        return text.append("' (").append(hex).append(')').toString();
    }
}
