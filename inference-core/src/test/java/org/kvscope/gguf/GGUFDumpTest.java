package org.kvscope.gguf;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GGUFDumpTest {

    @TempDir
    Path dir;

    @Test
    void describesHeaderMetadataAndTensors() throws IOException {
        Path path = dir.resolve("dump.gguf");
        String[] tokens = new String[100];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = "tok" + i;
        }
        new GGUFWriter().alignment(64)
                .putString("general.architecture", "llama")
                .putString("chat_template", "line1\n\"quoted\"" + "x".repeat(300))
                .putUInt32("llama.block_count", 5)
                .put("big", GGUFValueType.UINT64, -1L)
                .putStringArray("tokenizer.ggml.tokens", tokens)
                .putArray("nested", GGUFValueType.ARRAY, new Object[] {new int[] {1, 2, 3, 4}})
                .addTensor("token_embd.weight", GGMLType.F32, new long[] {4, 3}, new byte[48])
                .addTensor("blk.0.ffn_down.weight", GGMLType.Q5_K, new long[] {256}, new byte[176])
                .write(path);
        try (GGUFFile f = GGUFFile.open(path)) {
            String text = GGUFDump.describe(f, 3);
            assertContains(text, "GGUF version 3: " + path);
            assertContains(text, "alignment 64, tensor data at byte " + f.dataOffset());
            assertContains(text, "metadata: 7 keys");
            assertContains(text, "general.alignment");
            assertContains(text, "\"llama\"");
            assertContains(text, "\"line1\\n\\\"quoted\\\"xxx");
            assertContains(text, "... (314 chars)");
            assertContains(text, "UINT32         5");
            assertContains(text, "18446744073709551615");
            assertContains(text, "STRING[100]    [\"tok0\", \"tok1\", \"tok2\", ... 97 more]");
            assertContains(text, "ARRAY[1]       [[1, 2, 3, ... 1 more]]");
            assertFalse(text.contains("tok3\""), "arrays are abbreviated");
            assertContains(text, "tensors: 2, 224 bytes of data");
            assertTrue(text.matches("(?s).*token_embd\\.weight\\s+F32\\s+4 x 3\\s+0\\s+48\n.*"), text);
            assertTrue(text.matches("(?s).*blk\\.0\\.ffn_down\\.weight\\s+Q5_K\\s+256\\s+64\\s+176\n.*"), text);
            assertContains(text, "types: F32 x1, Q5_K x1 (not supported by kvscope: Q5_K)");
        }
    }

    /**
     * Key and tensor names are file content like the values: a crafted name holding terminal escape codes
     * and NULs (or megabytes, from a corrupt length) is printed escaped and cut, never raw.
     */
    @Test
    void keyAndTensorNamesAreEscapedAndCut() throws IOException {
        Path path = dir.resolve("names.gguf");
        new GGUFWriter()
                .putString("bad\u001b[2J\u0000key", "v")
                .putUInt32("k".repeat(5000), 1)
                .addTensor("t\u001b[31m\u0007", GGMLType.F32, new long[] {2}, new byte[8])
                .write(path);
        try (GGUFFile f = GGUFFile.open(path)) {
            String text = GGUFDump.describe(f, 3);
            assertContains(text, "bad\\x1B[2J\\x00key");
            assertContains(text, "t\\x1B[31m\\x07");
            assertTrue(text.chars().noneMatch(c -> c < 0x20 && c != '\n'), () -> "raw control characters in:\n" + text);
            assertTrue(text.length() < 2000, () -> "a 5000-character key is printed whole: " + text.length() + " characters");
        }
    }

    @Test
    void rejectsNegativeItemLimit() throws IOException {
        Path path = dir.resolve("empty.gguf");
        new GGUFWriter().write(path);
        try (GGUFFile f = GGUFFile.open(path)) {
            assertContains(GGUFDump.describe(f, 0), "tensors: 0, 0 bytes of data");
            assertThrows(IllegalArgumentException.class, () -> GGUFDump.describe(f, -1));
        }
    }

    private static void assertContains(String text, String expected) {
        assertTrue(text.contains(expected), () -> "missing '" + expected + "' in:\n" + text);
    }
}
