package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/** The launcher's list of models on the scalar small-model path (its C1-only starts, issue 16). */
class SmallModelFilesTest {
    @TempDir Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty(SmallModelFiles.PROPERTY);
    }

    private Path model(ModelShape shape, GGMLType type) throws Exception {
        Path file = dir.resolve(shape.name() + "-" + type.name() + ".gguf");
        SyntheticModelWriter.write(shape, type, file, 3);
        return file;
    }

    private static void load(Path file) throws Exception {
        try (Model m = ModelLoader.load(file)) {
            SmallModelFiles.record(file, m);
        }
    }

    @Test
    void listsAScalarPathModelOnceAsStatAndRealpathPrintIt() throws Exception {
        Path list = dir.resolve("small-models");
        System.setProperty(SmallModelFiles.PROPERTY, list.toString());
        Path stories = model(ModelShape.TINY_STORIES, GGMLType.F32);
        load(stories);
        load(stories);
        // the launcher's own line: stat -L -c '%s %Y' and realpath
        Process p = new ProcessBuilder("bash", "-c", "echo \"$(stat -L -c '%s %Y' -- \"$1\") $(realpath -- \"$1\")\"",
                "line", dir.resolve(".").resolve(stories.getFileName()).toString()).redirectErrorStream(true).start();
        String launcher = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor());
        assertEquals(List.of(launcher), Files.readAllLines(list));
    }

    @Test
    void leavesOutModelsOffTheScalarPath() throws Exception {
        Path list = dir.resolve("small-models");
        System.setProperty(SmallModelFiles.PROPERTY, list.toString());
        load(model(ModelShape.TINY_STORIES, GGMLType.Q8_0)); // narrow, but quantized matrices
        load(model(ModelShape.TINY_LLAMA, GGMLType.F32)); // F32, but 256 wide
        assertFalse(Files.exists(list));
    }

    @Test
    void writesNothingWithoutTheLaunchersProperty() throws Exception {
        load(model(ModelShape.TINY_STORIES, GGMLType.F32));
        try (var files = Files.list(dir)) {
            assertTrue(files.allMatch(p -> p.toString().endsWith(".gguf")));
        }
    }

    @Test
    void anUnwritableListIsIgnored() throws Exception {
        System.setProperty(SmallModelFiles.PROPERTY, dir.resolve("missing-dir/small-models").toString());
        load(model(ModelShape.TINY_STORIES, GGMLType.F32)); // no exception: only a hint
        assertFalse(Files.exists(dir.resolve("missing-dir")));
    }
}
