package org.kvscope.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Bad writer input gets an IllegalArgumentException saying what is wrong and what is valid. */
class GGUFWriterTest {

    @TempDir
    Path dir;

    private static void assertRejects(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "message lacks '" + expected + "': " + e.getMessage());
    }

    @Test
    void integerValuesAreRangeChecked() {
        GGUFWriter w = new GGUFWriter();
        assertRejects("metadata key 'k': 256 is outside the UINT8 range 0..255", () -> w.put("k", GGUFValueType.UINT8, 256));
        assertRejects("-129 is outside the INT8 range -128..127", () -> w.put("k", GGUFValueType.INT8, -129));
        assertRejects("-1 is outside the UINT32 range 0..4294967295", () -> w.putUInt32("k", -1));
        assertRejects("4294967296 is outside the UINT32 range", () -> w.putUInt32("k", 1L << 32));
        assertRejects("2147483648 is outside the INT32 range", () -> w.put("k", GGUFValueType.INT32, 1L << 31));
        assertRejects("element 1: 70000 is outside the UINT16 range 0..65535",
                () -> w.putArray("k", GGUFValueType.UINT16, new int[] {1, 70000}));
        assertRejects("element 0: -1 is outside the UINT32 range",
                () -> w.putArray("k", GGUFValueType.UINT32, new long[] {-1}));
    }

    @Test
    void valuesMustHaveTheJavaClassOfTheirType() {
        GGUFWriter w = new GGUFWriter();
        assertRejects("a UINT32 value must be Byte, Short, Integer or Long, got Float",
                () -> w.put("k", GGUFValueType.UINT32, 1.5f));
        assertRejects("a STRING value must be String, got Integer", () -> w.put("k", GGUFValueType.STRING, 1));
        assertRejects("a BOOL value must be Boolean, got String", () -> w.put("k", GGUFValueType.BOOL, "true"));
        assertRejects("an ARRAY of FLOAT32 must be given as float[], got double[]",
                () -> w.putArray("k", GGUFValueType.FLOAT32, new double[] {1}));
        assertRejects("an ARRAY of INT64 must be given as int[] or long[], got String[]",
                () -> w.putArray("k", GGUFValueType.INT64, new String[] {"1"}));
        assertRejects("arrays need an element type; use putArray", () -> w.put("k", GGUFValueType.ARRAY, new int[0]));
        assertRejects("elements of an ARRAY of ARRAY must be TypedArray or Java arrays, got String",
                () -> w.putArray("k", GGUFValueType.ARRAY, new Object[] {"x"}));
        assertThrows(NullPointerException.class, () -> w.putString("k", null));
    }

    @Test
    void keysMustBeUniqueNonEmptyAndNotTheAlignmentKey() {
        GGUFWriter w = new GGUFWriter().putInt32("k", 1);
        assertRejects("metadata key 'k' was already put; keys must be unique", () -> w.putInt32("k", 2));
        assertRejects("metadata key '' is 0 bytes; valid is 1 to 16777216", () -> w.putInt32("", 2));
        assertRejects("set general.alignment with alignment(int)", () -> w.putUInt32("general.alignment", 64));
    }

    @Test
    void alignmentMustBeAPowerOfTwo() {
        assertRejects("alignment 48 is not a power of two", () -> new GGUFWriter().alignment(48));
        assertRejects("alignment 0 is not a power of two", () -> new GGUFWriter().alignment(0));
    }

    @Test
    void tensorsAreValidated() {
        GGUFWriter w = new GGUFWriter().addTensor("t", GGMLType.F32, new long[] {2}, new byte[8]);
        assertRejects("tensor 't' was already added", () -> w.addTensor("t", GGMLType.F32, new long[] {2}, new byte[8]));
        assertRejects("tensor 'u' F32 [2, 3] needs 24 bytes of data, got 20",
                () -> w.addTensor("u", GGMLType.F32, new long[] {2, 3}, new byte[20]));
        assertRejects("tensor 'u' shape [16] does not fit type Q8_0: Q8_0 stores blocks of 32 elements",
                () -> w.addTensor("u", GGMLType.Q8_0, new long[] {16}, new byte[17]));
        assertRejects("tensor 'u' has 5 dimensions; valid is 1 to 4",
                () -> w.addTensor("u", GGMLType.F32, new long[] {1, 1, 1, 1, 1}, new byte[4]));
        assertRejects("tensor 'u' has a negative dimension",
                () -> w.addTensor("u", GGMLType.F32, new long[] {-1}, new byte[0]));
    }

    @Test
    void rowsNeedNotBeWholeBlocksWhenTheTensorIs() throws IOException {
        Path file = dir.resolve("rows.gguf");
        byte[] data = new byte[3 * 34];
        data[3 * 34 - 1] = 7;
        new GGUFWriter().addTensor("q", GGMLType.Q8_0, new long[] {48, 2}, data).write(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            GGUFTensorInfo q = f.tensors().getFirst();
            assertEquals(48, q.cols());
            assertEquals(2, q.rows());
            assertEquals(7, f.tensorData(q).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 3 * 34 - 1));
        }
    }

    @Test
    void failedWriteLeavesTargetUntouchedAndNoTempFile() throws IOException {
        Path file = dir.resolve("keep.gguf");
        Files.writeString(file, "previous");
        Path missingDir = dir.resolve("missing").resolve("x.gguf");
        assertThrows(IOException.class, () -> new GGUFWriter().putInt32("k", 1).write(missingDir));
        assertEquals("previous", Files.readString(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    private static Set<PosixFilePermission> permissions(Path p) throws IOException {
        return Files.getPosixFilePermissions(p);
    }

    @Test
    void aNewFileGetsTheDefaultPermissionsOfANewFileNotPrivateOnes() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
        Path plain = Files.createFile(dir.resolve("plain"));
        Path model = dir.resolve("new.gguf");
        new GGUFWriter().putString("general.architecture", "llama").write(model);
        assertEquals(permissions(plain), permissions(model));
        try (GGUFFile f = GGUFFile.open(model)) {
            assertEquals("llama", f.metadata().get("general.architecture"));
        }
    }

    @Test
    void anExistingFileKeepsItsPermissionsAndALinkIsWrittenThrough() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
        Path target = Files.writeString(dir.resolve("target.gguf"), "old content, longer than nothing at all");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        Path link = Files.createSymbolicLink(dir.resolve("link.gguf"), target.getFileName());
        new GGUFWriter().putString("general.architecture", "llama").write(link);
        assertTrue(Files.isSymbolicLink(link), "the link was replaced by a file");
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), permissions(target));
        try (GGUFFile f = GGUFFile.open(target)) {
            assertEquals("llama", f.metadata().get("general.architecture"));
        }
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file is left behind");
        }
    }
}
