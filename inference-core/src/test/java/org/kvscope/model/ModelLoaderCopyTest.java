package org.kvscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.GGUFTensorInfo;

/** Which files' weights are copied into anonymous memory at load: those mostly of float bytes. */
class ModelLoaderCopyTest {

    private static GGUFTensorInfo t(GGMLType type, long elements) {
        return new GGUFTensorInfo("t", new long[] {elements}, type, 0);
    }

    @Test
    void floatFilesAreCopiedQuantizedOnesStayMapped() {
        assertTrue(ModelLoader.mostlyFloat(List.of(t(GGMLType.F32, 1 << 20), t(GGMLType.F32, 2048))));
        assertTrue(ModelLoader.mostlyFloat(List.of(t(GGMLType.F16, 1 << 20), t(GGMLType.F32, 2048))));
        assertTrue(ModelLoader.mostlyFloat(List.of(t(GGMLType.BF16, 1 << 20), t(GGMLType.Q8_0, 1 << 20))));
        assertFalse(ModelLoader.mostlyFloat(List.of(t(GGMLType.Q8_0, 1 << 20), t(GGMLType.F32, 2048))));
        assertFalse(ModelLoader.mostlyFloat(List.of(t(GGMLType.Q4_0, 1 << 22), t(GGMLType.F16, 1 << 20))));
        assertFalse(ModelLoader.mostlyFloat(List.of()));
        assertEquals(4L * (1 << 20) + 2 * 2048 + 34 * 64, ModelLoader.bytes(List.of(t(GGMLType.F32, 1 << 20),
                t(GGMLType.F16, 2048), t(GGMLType.Q8_0, 2048))));
    }
}
