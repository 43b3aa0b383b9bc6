package org.kvscope.model;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
    private record Value(GGUFValueType type, Object value) {}

    private final Map<String, Value> overrides = new LinkedHashMap<>();
    private Predicate<String> keepTensor = name -> true;
    private Function<String, String> renameTensor = name -> name;
    private final Map<String, float[]> replacedF32 = new LinkedHashMap<>();

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

    void write(Path source, Path target) throws IOException {
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
                    byte[] data = replaced != null ? Quantizer.quantize(GGMLType.F32, replaced)
                            : in.tensorData(t).toArray(ValueLayout.JAVA_BYTE);
                    w.addTensor(renameTensor.apply(t.name()), replaced != null ? GGMLType.F32 : t.type(), t.shape(), data);
                }
            }
            w.write(target);
        }
    }
}
