package org.kvscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code inspect --check} prints of a damaged tensor quotes its name from the file: escaped, never raw. */
class WeightScanTest {
    @TempDir
    Path dir;

    @Test
    void aDamagedTensorsNameIsPrintedEscaped() throws IOException {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(Float.NaN).array();
        Path path = dir.resolve("nan.gguf");
        new GGUFWriter().addTensor("w\u001b[2J\u0000", GGMLType.F32, new long[] {2}, data).write(path);
        try (GGUFFile f = GGUFFile.open(path)) {
            WeightScan.Result scan = WeightScan.scan(f);
            assertEquals(1, scan.damaged().size());
            String line = scan.damaged().getFirst().toString();
            assertTrue(line.contains("'w\\x1B[2J\\x00'"), line);
            assertTrue(line.chars().noneMatch(c -> c < 0x20), line);
        }
    }
}
