package org.kvscope.app.ui.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/**
 * {@code kvscope screenshots} grows and shrinks its window between 1024×700 and the large size: every shot renders
 * at its size and nothing prints a stack trace (the software pipeline once failed on the grown window with "Too
 * small int buffer size 1600x1000", printed by the render thread). Runs in a JVM of its own, so that the toolkit
 * starts as the command starts it.
 */
class ScreenshotSizesTest {
    @Test
    void everyShotSizeRendersWithoutAStackTrace(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, model, 7);
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ScreenshotSizesProbe.class.getName(), dir.toString(),
                model.toString())
                .redirectError(err.toFile()).redirectOutput(dir.resolve("stdout.txt").toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the shots took over 300 s");
        String printed = Files.readString(err);
        assertEquals(0, p.exitValue(), printed);
        List<String> traces = printed.lines()
                .filter(l -> l.matches("\\s+at .*") || l.matches(".*(Exception|Error)\\b.*")).toList();
        assertTrue(traces.isEmpty(), "stack trace on stderr:\n" + printed);
        for (ScreenshotCommand.Shot shot : ScreenshotCommand.SHOTS) {
            BufferedImage png = ImageIO.read(dir.resolve(shot.file()).toFile());
            assertEquals(shot.width(), png.getWidth(), shot.file());
            assertEquals(shot.height(), png.getHeight(), shot.file());
        }
    }
}
