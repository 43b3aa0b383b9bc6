package org.kvscope.model;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFTensorInfo;
import org.kvscope.gguf.GGUFValueType;
import org.kvscope.gguf.GGUFWriter;
import org.kvscope.tensor.Quantizer;

/**
 * Copies a GGUF model file with changes to its metadata and tensor table: the whole-file
 * mutations of {@link ModelFileCheckTest}. Unchanged parts are copied value for value.
 */
final class ModelFileCopy {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private record Value(GGUFValueType type, Object value) {}

    private final Map<String, Value> overrides = new LinkedHashMap<>();
    private Predicate<String> keepTensor = name -> true;
    private Function<String, String> renameTensor = name -> name;
    private final Map<String, float[]> replacedF32 = new LinkedHashMap<>();
    private final Map<String, GGUFTensorInfo> relabelled = new LinkedHashMap<>();
    private boolean offsetsAtZero;

    /** Sets (or adds) a scalar key. */
    ModelFileCopy put(String key, GGUFValueType type, Object value) {
        overrides.put(key, new Value(type, value));
        return this;
    }

    /** Sets (or adds) an array key. */
    ModelFileCopy putArray(String key, GGUFValueType elementType, Object values) {
        overrides.put(key, new Value(GGUFValueType.ARRAY, new GGUFWriter.TypedArray(elementType, values)));
        return this;
    }

    /** Removes a key. */
    ModelFileCopy remove(String key) {
        overrides.put(key, null);
        return this;
    }

    ModelFileCopy dropTensors(Predicate<String> drop) {
        keepTensor = keepTensor.and(drop.negate());
        return this;
    }

    ModelFileCopy renameTensors(Function<String, String> rename) {
        renameTensor = rename;
        return this;
    }

    /** Replaces an F32 tensor's values (same shape). */
    ModelFileCopy replaceF32(String tensor, float[] values) {
        replacedF32.put(tensor, values);
        return this;
    }

    /** Declares a tensor with another type and shape; its bytes are the original's, cut or zero-padded to fit. */
    ModelFileCopy relabel(String tensor, GGMLType type, long[] shape) {
        relabelled.put(tensor, new GGUFTensorInfo(tensor, shape, type, 0));
        return this;
    }

    /** Points every tensor at the first byte of the data section, as a damaged tensor table would. */
    ModelFileCopy offsetsAtZero() {
        offsetsAtZero = true;
        return this;
    }

    void write(Path source, Path target) throws IOException {
        List<String> names = new ArrayList<>();
        try (GGUFFile in = GGUFFile.open(source)) {
            GGUFWriter w = new GGUFWriter().alignment((int) in.alignment());
            Map<String, Value> values = new LinkedHashMap<>();
            for (String key : in.metadata().asMap().keySet()) {
                if (!key.equals("general.alignment")) {
                    GGUFValueType type = in.metadata().typeOf(key);
                    values.put(key, type == GGUFValueType.ARRAY
                            ? new Value(type, new GGUFWriter.TypedArray(in.metadata().arrayElementType(key),
                                    in.metadata().get(key)))
                            : new Value(type, in.metadata().get(key)));
                }
            }
            values.putAll(overrides);
            values.forEach((key, v) -> {
                if (v != null && v.value() instanceof GGUFWriter.TypedArray a) {
                    w.putArray(key, a.elementType(), a.values());
                } else if (v != null) {
                    w.put(key, v.type(), v.value());
                }
            });
            for (GGUFTensorInfo t : in.tensors()) {
                if (keepTensor.test(t.name())) {
                    float[] replaced = replacedF32.get(t.name());
                    GGUFTensorInfo declared = relabelled.getOrDefault(t.name(), t);
                    byte[] data = replaced != null ? Quantizer.quantize(GGMLType.F32, replaced)
                            : Arrays.copyOf(in.tensorData(t).toArray(ValueLayout.JAVA_BYTE), (int) declared.byteSize());
                    w.addTensor(renameTensor.apply(t.name()), replaced != null ? GGMLType.F32 : declared.type(),
                            declared.shape(), data);
                    names.add(renameTensor.apply(t.name()));
                }
            }
            w.write(target);
        }
        if (offsetsAtZero) {
            zeroOffsets(target, names);
        }
    }

    /** Sets each tensor's offset field to 0: the field after its length-prefixed name, dimensions and type. */
    private static void zeroOffsets(Path file, List<String> names) throws IOException {
        byte[] b = Files.readAllBytes(file);
        MemorySegment s = MemorySegment.ofArray(b);
        int from = 0;
        for (String name : names) {
            byte[] text = name.getBytes(StandardCharsets.UTF_8);
            int at = from;
            while (s.get(LONG, at) != text.length || !Arrays.equals(b, at + 8, at + 8 + text.length, text, 0, text.length)) {
                at++;
            }
            int dims = s.get(INT, at + 8 + text.length);
            from = at + 8 + text.length + 4 + 8 * dims + 4;
            s.set(LONG, from, 0L);
        }
        Files.write(file, b);
    }
}
