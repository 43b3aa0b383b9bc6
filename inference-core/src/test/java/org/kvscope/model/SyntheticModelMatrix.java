package org.kvscope.model;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.kvscope.gguf.GGMLType;

/** Every tiny architecture shape × every weight type the synthetic writer produces: parity test cases. */
public final class SyntheticModelMatrix {
    private SyntheticModelMatrix() {}

    /** (ModelShape, GGMLType) pairs for {@code @MethodSource}. */
    public static Stream<Arguments> shapesAndTypes() {
        List<Arguments> out = new ArrayList<>();
        for (ModelShape shape : List.of(ModelShape.TINY_LLAMA, ModelShape.TINY_LLAMA3, ModelShape.TINY_QWEN2)) {
            for (GGMLType type : List.of(GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0,
                    GGMLType.Q4_K)) {
                out.add(Arguments.of(shape, type));
            }
        }
        return out.stream();
    }
}
