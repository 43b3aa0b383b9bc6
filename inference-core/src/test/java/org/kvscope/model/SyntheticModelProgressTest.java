package org.kvscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.gguf.GGMLType;

/**
 * The writer tells its matrix count before it generates the first matrix: the synth command's bar
 * showed "0/1 matrices" while the embedding, the largest matrix, was generated (2 s for SmolLM2).
 */
class SyntheticModelProgressTest {
    @TempDir
    Path dir;

    @Test
    void theTotalIsToldBeforeTheFirstMatrixAndNeverChanges() throws IOException {
        List<int[]> calls = new ArrayList<>();
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.Q8_0, dir.resolve("t.gguf"), 1,
                (done, total) -> calls.add(new int[] {done, total}));
        int total = calls.getLast()[1];
        assertEquals(List.of(0, total), List.of(calls.getFirst()[0], calls.getFirst()[1]), "the first call: none done, all counted");
        for (int i = 0; i < calls.size(); i++) {
            assertEquals(i, calls.get(i)[0], "one call per matrix, in order");
            assertEquals(total, calls.get(i)[1], "the same total in every call");
        }
    }

    /** The count the synth command's bar starts from (before the writer has registered any matrix) is the writer's own. */
    @Test
    void matrixCountIsTheTotalTheWriterReportsForEveryShape() {
        for (ModelShape shape : ModelShape.values()) {
            int[] told = {-1};
            try {
                SyntheticModelWriter.write(shape, GGMLType.Q4_K, dir.resolve(shape.id() + ".gguf"), 1, (done, total) -> {
                    told[0] = total;
                    throw new Counted(); // stop before any matrix is generated or the file written
                });
            } catch (Counted | IOException expected) {
                // the writer stops at its first report
            }
            assertEquals(told[0], SyntheticModelWriter.matrixCount(shape), shape.id());
        }
    }

    private static final class Counted extends RuntimeException {
        Counted() {
            super(null, null, false, false);
        }
    }
}
