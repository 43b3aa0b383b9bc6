package org.kvscope.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.kvscope.model.SharedModels;

/** Reads the real stories260K models from ../shared/models; skipped when they are absent. */
class GGUFSharedModelTest {

    private static Path model(String name) {
        Optional<Path> path = SharedModels.find(name);
        Assumptions.assumeTrue(path.isPresent(), SharedModels.missingMessage(name));
        return path.get();
    }

    @Test
    void stories260KF32() throws IOException {
        try (GGUFFile f = GGUFFile.open(model("stories260K.gguf"))) {
            System.out.println(GGUFDump.describe(f, 4));
            GGUFMetadata m = f.metadata();
            assertEquals("llama", m.getString("general.architecture"));
            assertEquals(5, m.getInt("llama.block_count"));
            assertEquals(512, m.getStringArray("tokenizer.ggml.tokens").length);
            GGUFTensorInfo embedding = f.tensor("token_embd.weight").orElseThrow();
            assertEquals(512, embedding.rows());
            assertEquals(m.getInt("llama.embedding_length"), embedding.cols());
            assertEquals(5 * 9 + 3, f.tensors().size(), "9 tensors per block plus embedding, output norm, output");
            for (GGUFTensorInfo t : f.tensors()) {
                assertTrue(t.type() == GGMLType.F32 || t.type() == GGMLType.F16, t.toString());
                assertEquals(t.byteSize(), f.tensorData(t).byteSize());
            }
            float norm0 = f.tensorData(f.tensor("output_norm.weight").orElseThrow()).get(SegmentCursor.F32, 0);
            assertTrue(Float.isFinite(norm0) && norm0 != 0f, "output norm weight " + norm0);
        }
    }

    /**
     * A version 2 file whose Q8_0 {@code ffn_down} rows (172 elements) are not whole blocks: the
     * quantizer packed blocks across row boundaries, so only the element count is block-aligned.
     */
    @Test
    void stories260KQ8() throws IOException {
        try (GGUFFile f = GGUFFile.open(model("stories260K-q8_0.gguf"))) {
            assertEquals(2, f.version());
            assertEquals("llama", f.metadata().getString("general.architecture"));
            assertEquals(5, f.metadata().getInt("llama.block_count"));
            assertEquals(512, f.metadata().getStringArray("tokenizer.ggml.tokens").length);
            GGUFTensorInfo down = f.tensor("blk.0.ffn_down.weight").orElseThrow();
            assertEquals(GGMLType.Q8_0, down.type());
            assertEquals(172, down.cols());
            assertEquals(172 * 64 / 32 * 34, down.byteSize());
            assertEquals(GGMLType.F32, f.tensor("blk.0.attn_norm.weight").orElseThrow().type());
        }
    }
}
