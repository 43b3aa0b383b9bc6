package org.kvscope.gguf;

import static org.kvscope.gguf.GGUFTestBytes.keyAt;
import static org.kvscope.gguf.GGUFTestBytes.nameEnd;
import static org.kvscope.gguf.GGUFTestBytes.putU32;
import static org.kvscope.gguf.GGUFTestBytes.putU64;
import static org.kvscope.gguf.GGUFTestBytes.tensorOffsetField;
import static org.kvscope.gguf.GGUFTestBytes.valueAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each test damages a valid generated file in one way and checks the error says what and where. */
class GGUFCorruptFileTest {

    @TempDir
    Path dir;

    /** A valid file: alignment 64, a few keys of different types, two F32 tensors. */
    private byte[] valid;

    @BeforeEach
    void writeValidFile() throws IOException {
        Path file = dir.resolve("valid.gguf");
        new GGUFWriter().alignment(64)
                .putString("general.architecture", "llama")
                .putUInt32("kv.count", 7)
                .putInt32("kv.aaaa", 1)
                .putInt32("kv.bbbb", 2)
                .putBool("kv.flag", true)
                .putFloatArray("kv.floats", new float[] {1, 2, 3})
                .putStringArray("kv.strings", new String[] {"aa", "bb"})
                .addTensor("tensor.one", GGMLType.F32, new long[] {8, 2}, new byte[64])
                .addTensor("tensor.two", GGMLType.F32, new long[] {8}, new byte[32])
                .write(file);
        valid = Files.readAllBytes(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            assertEquals(2, f.tensors().size(), "the undamaged file must load");
        }
    }

    @Test
    void wrongMagic() throws IOException {
        byte[] b = valid.clone();
        b[3] = 'L';
        b[2] = 'M';
        GGUFException e = openFails(b);
        assertMessage(e, "not a GGUF file: magic bytes are 'GGML' (47 47 4D 4C), expected 'GGUF'", 0);
        assertTrue(e.getMessage().startsWith(dir.resolve("damaged.gguf").toString()), e.getMessage());
    }

    @Test
    void filesTooShortForMagic() throws IOException {
        assertTrue(openFails(new byte[0]).getMessage().contains("not a GGUF file: it is only 0 bytes long"));
        assertTrue(openFails(Arrays.copyOf(valid, 3)).getMessage().contains("only 3 bytes long"));
    }

    @Test
    void versionOneIsUnsupported() throws IOException {
        byte[] b = valid.clone();
        putU32(b, 4, 1);
        assertMessage(openFails(b), "GGUF version 1 is not supported; supported versions are 2 and 3", 4);
    }

    @Test
    void futureVersionIsUnsupported() throws IOException {
        byte[] b = valid.clone();
        putU32(b, 4, 4);
        assertMessage(openFails(b), "unsupported GGUF version 4; supported versions are 2 and 3", 4);
    }

    @Test
    void bigEndianVersionIsNamed() throws IOException {
        byte[] b = valid.clone();
        putU32(b, 4, Integer.reverseBytes(3));
        assertMessage(openFails(b), "big-endian GGUF files (version 3 stored big-endian) are not supported", 4);
    }

    @Test
    void versionTwoLoads() throws IOException {
        byte[] b = valid.clone();
        putU32(b, 4, 2);
        try (GGUFFile f = GGUFFile.open(write(b))) {
            assertEquals(2, f.version());
            assertEquals("llama", f.metadata().getString("general.architecture"));
        }
    }

    @Test
    void truncatedAnywhereFailsWithGGUFException() throws IOException {
        for (int length = 0; length < valid.length; length++) {
            byte[] prefix = Arrays.copyOf(valid, length);
            assertThrows(GGUFException.class, () -> GGUFHeaderParser.parse(MemorySegment.ofArray(prefix)),
                    "prefix of " + length + " bytes");
        }
        int offsetField = tensorOffsetField(valid, "tensor.two");
        assertMessage(openFails(Arrays.copyOf(valid, offsetField + 3)), "file is truncated: reading data offset of "
                + "tensor 'tensor.two' needs 8 bytes but only 3 remain of " + (offsetField + 3), offsetField);
    }

    @Test
    void tensorDataPastEndOfFile() throws IOException {
        byte[] b = valid.clone();
        int offsetField = tensorOffsetField(b, "tensor.two");
        putU64(b, offsetField, 64 * 100);
        assertMessage(openFails(b), "tensor 'tensor.two' data (32 bytes at data offset 6400", offsetField);
        assertMessage(openFails(b), "points past the end of the file (" + b.length + " bytes)", offsetField);
    }

    @Test
    void absurdTensorCount() throws IOException {
        byte[] b = valid.clone();
        putU64(b, 8, 1L << 62);
        assertMessage(openFails(b), "tensor count 4611686018427387904 is impossible: the remaining", 8);
        putU64(b, 8, -1L);
        assertMessage(openFails(b), "tensor count 18446744073709551615 is impossible", 8);
    }

    @Test
    void absurdKeyValueCount() throws IOException {
        byte[] b = valid.clone();
        putU64(b, 16, 1L << 40);
        assertMessage(openFails(b), "metadata key/value count 1099511627776 is impossible", 16);
    }

    @Test
    void absurdKeyLength() throws IOException {
        byte[] b = valid.clone();
        int lengthField = keyAt(b, "kv.count") - 8;
        putU64(b, lengthField, (1L << 24) + 1);
        assertMessage(openFails(b), "metadata key #2 has length 16777217; valid lengths are 0 to 16777216 bytes",
                lengthField);
        putU64(b, lengthField, 100_000);
        assertMessage(openFails(b), "metadata key #2 has length 100000 but only", lengthField);
    }

    @Test
    void absurdStringValueLength() throws IOException {
        byte[] b = valid.clone();
        int lengthField = valueAt(b, "general.architecture");
        putU64(b, lengthField, 1L << 40);
        assertMessage(openFails(b), "string value of metadata key 'general.architecture' has length 1099511627776",
                lengthField);
    }

    @Test
    void arrayCountLargerThanRemainingBytes() throws IOException {
        byte[] b = valid.clone();
        int countField = valueAt(b, "kv.floats") + 4;
        putU64(b, countField, valid.length);
        assertMessage(openFails(b), "array of metadata key 'kv.floats' claims " + valid.length
                + " FLOAT32 elements, but the remaining", countField);
        int stringsCount = valueAt(b, "kv.strings") + 4;
        b = valid.clone();
        putU64(b, stringsCount, -1L);
        assertMessage(openFails(b), "claims 18446744073709551615 STRING elements", stringsCount);
    }

    @Test
    void dimensionCountOutOfRange() throws IOException {
        for (int dims : new int[] {0, 5}) {
            byte[] b = valid.clone();
            int dimsField = nameEnd(b, "tensor.one");
            putU32(b, dimsField, dims);
            assertMessage(openFails(b), "tensor 'tensor.one' has " + dims + " dimensions; valid is 1 to 4", dimsField);
        }
    }

    @Test
    void negativeDimension() throws IOException {
        byte[] b = valid.clone();
        int shapeField = nameEnd(b, "tensor.one") + 4;
        putU64(b, shapeField, -1L);
        assertMessage(openFails(b), "tensor 'tensor.one' dimension 0 is 18446744073709551615", shapeField);
    }

    @Test
    void overflowingShape() throws IOException {
        byte[] b = valid.clone();
        int shapeField = nameEnd(b, "tensor.one") + 4;
        putU64(b, shapeField, 1L << 40);
        putU64(b, shapeField + 8, 1L << 40);
        assertMessage(openFails(b), "tensor 'tensor.one' shape [1099511627776, 1099511627776] overflows",
                shapeField);
    }

    @Test
    void unknownValueTypeId() throws IOException {
        byte[] b = valid.clone();
        int typeField = keyAt(b, "kv.count") + "kv.count".length();
        putU32(b, typeField, 13);
        assertMessage(openFails(b), "metadata key 'kv.count': unknown GGUF metadata value type id 13; valid ids are",
                typeField);
    }

    @Test
    void unknownArrayElementTypeId() throws IOException {
        byte[] b = valid.clone();
        int elementTypeField = valueAt(b, "kv.floats");
        putU32(b, elementTypeField, 99);
        assertMessage(openFails(b), "array element type of metadata key 'kv.floats': unknown GGUF metadata value "
                + "type id 99", elementTypeField);
    }

    @Test
    void unknownTensorTypeId() throws IOException {
        byte[] b = valid.clone();
        int typeField = nameEnd(b, "tensor.one") + 4 + 16;
        putU32(b, typeField, 4);
        assertMessage(openFails(b), "tensor 'tensor.one': unknown ggml tensor type id 4; known ids are F32=0",
                typeField);
    }

    @Test
    void elementCountNotAMultipleOfBlockSize() throws IOException {
        byte[] b = valid.clone();
        int typeField = nameEnd(b, "tensor.one") + 4 + 16;
        putU32(b, typeField, GGMLType.Q8_0.id());
        assertMessage(openFails(b), "tensor 'tensor.one' shape [8, 2] does not fit type Q8_0: Q8_0 stores blocks of "
                + "32 elements; 16 is not a multiple", typeField - 16);
    }

    @Test
    void duplicateTensorNames() throws IOException {
        byte[] b = valid.clone();
        int name = keyAt(b, "tensor.two");
        System.arraycopy("tensor.one".getBytes(StandardCharsets.US_ASCII), 0, b, name, 10);
        assertMessage(openFails(b), "duplicate tensor name 'tensor.one'; names must be unique", name - 8);
    }

    @Test
    void duplicateKeys() throws IOException {
        byte[] b = valid.clone();
        int key = keyAt(b, "kv.bbbb");
        System.arraycopy("kv.aaaa".getBytes(StandardCharsets.US_ASCII), 0, b, key, 7);
        assertMessage(openFails(b), "duplicate metadata key 'kv.aaaa'; keys must be unique", key - 8);
    }

    @Test
    void misalignedTensorOffset() throws IOException {
        byte[] b = valid.clone();
        int offsetField = tensorOffsetField(b, "tensor.two");
        putU64(b, offsetField, 64 + 8);
        assertMessage(openFails(b), "tensor 'tensor.two' has data offset 72; offsets must be non-negative multiples "
                + "of the alignment 64", offsetField);
    }

    @Test
    void alignmentNotAPowerOfTwo() throws IOException {
        int valueField = valueAt(valid, "general.alignment");
        for (int alignment : new int[] {48, 0}) {
            byte[] b = valid.clone();
            putU32(b, valueField, alignment);
            assertMessage(openFails(b), "general.alignment is " + alignment + "; it must be a power of two",
                    valueField);
        }
    }

    @Test
    void alignmentMustBeAnInteger() throws IOException {
        byte[] b = valid.clone();
        int valueField = valueAt(b, "general.alignment");
        putU32(b, valueField - 4, GGUFValueType.FLOAT32.id());
        assertMessage(openFails(b), "general.alignment has type FLOAT32; it must be an integer", valueField);
    }

    @Test
    void alignmentAcceptsAnyIntegerType() throws IOException {
        byte[] b = valid.clone();
        putU32(b, valueAt(b, "general.alignment") - 4, GGUFValueType.INT32.id());
        try (GGUFFile f = GGUFFile.open(write(b))) {
            assertEquals(64, f.alignment());
        }
    }

    @Test
    void boolOtherThanZeroOrOne() throws IOException {
        byte[] b = valid.clone();
        int valueField = valueAt(b, "kv.flag");
        b[valueField] = 2;
        assertMessage(openFails(b), "BOOL value of metadata key 'kv.flag' is 2; valid values are 0 and 1",
                valueField);
    }

    @Test
    void arraysNestedTooDeeply() throws IOException {
        Object nested = new int[] {1};
        for (int i = 0; i < GGUFHeaderParser.MAX_ARRAY_DEPTH + 1; i++) {
            nested = new Object[] {nested};
        }
        Path file = dir.resolve("deep.gguf");
        new GGUFWriter().putArray("deep", GGUFValueType.ARRAY, nested).write(file);
        GGUFException e = assertThrows(GGUFException.class, () -> GGUFFile.open(file));
        assertTrue(e.getMessage().contains("metadata key 'deep' nests arrays deeper than 64 levels"), e.getMessage());
    }

    @Test
    void randomDamageOnlyEverRaisesGGUFException() {
        Random random = new Random(20240601);
        int headerEnd = tensorOffsetField(valid, "tensor.two") + 8;
        for (int round = 0; round < 3000; round++) {
            byte[] b = valid.clone();
            int changes = 1 + random.nextInt(4);
            for (int c = 0; c < changes; c++) {
                int at = random.nextInt(headerEnd);
                b[at] = switch (random.nextInt(3)) {
                    case 0 -> (byte) random.nextInt(256);
                    case 1 -> (byte) 0xFF;
                    default -> (byte) (b[at] ^ (1 << random.nextInt(8)));
                };
            }
            try {
                GGUFHeaderParser.parse(MemorySegment.ofArray(b));
            } catch (GGUFException expected) {
                assertTrue(expected.getMessage().contains("(at byte offset "), expected.getMessage());
            } catch (RuntimeException | Error e) {
                fail("round " + round + ": damaged header raised " + e + " instead of GGUFException", e);
            }
        }
    }

    @Test
    void corruptNameLengthQuotesAShortPrintableExcerpt() throws IOException {
        byte[] noise = new byte[600_000];
        new Random(3).nextBytes(noise);
        for (int i = 0; i < noise.length; i += 97) {
            noise[i] = (byte) (i % 2 == 0 ? 0 : 0x1b); // NULs and escape codes among the bytes
        }
        Path file = dir.resolve("noisy.gguf");
        new GGUFWriter().putString("general.architecture", "llama").putInt32("kv.after", 1)
                .addTensor("noise", GGMLType.I8, new long[] {noise.length}, noise).write(file);
        byte[] b = Files.readAllBytes(file);
        int lengthField = keyAt(b, "kv.after") - 8;
        putU64(b, lengthField, b.length - lengthField - 8 - 2); // the key swallows the rest of the file
        GGUFException e = openFails(b);
        String m = e.getMessage();
        assertTrue(m.length() < 400, () -> "message of " + m.length() + " characters");
        assertTrue(m.chars().allMatch(c -> c >= 0x20 && c != 0x7f), m);
        assertTrue(m.contains("characters)"), m);
    }

    @Test
    void tensorsSharingBytesAreRefused() throws IOException {
        byte[] b = valid.clone();
        int offsetField = tensorOffsetField(b, "tensor.two");
        putU64(b, offsetField, 0);
        assertMessage(openFails(b), "tensor 'tensor.two' data at data offset 0 overlaps tensor 'tensor.one' (64 bytes at"
                + " data offset 0); every tensor needs its own bytes", offsetField);
    }

    @Test
    void directoryOrUnreadableFileSaysWhatIsWrong() throws IOException {
        IOException e = assertThrows(IOException.class, () -> GGUFFile.open(dir));
        assertEquals("cannot read " + dir + ": it is a directory; give a GGUF model file", e.getMessage());
        Path file = dir.resolve("locked.gguf");
        assertEquals("cannot read " + file + ": permission denied",
                FileErrors.readMessage(file, new java.nio.file.AccessDeniedException(file.toString())));
        assertEquals("file not found: " + file,
                FileErrors.readMessage(file, new java.nio.file.NoSuchFileException(file.toString())));
        assertEquals("cannot read " + file + ": Input/output error", FileErrors.readMessage(file,
                new java.nio.file.FileSystemException(file.toString(), null, "Input/output error")));
    }

    @Test
    void procFileThatReportsNoSizeOrADeviceIsNamedAsSuch() throws IOException {
        Path proc = Path.of("/proc/self/status");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(proc), "needs Linux /proc");
        IOException e = assertThrows(IOException.class, () -> GGUFFile.open(proc));
        assertEquals("cannot read " + proc + " as a model: it reports a size of 0 bytes but has content (a /proc or"
                + " /sys file); give a GGUF model file", e.getMessage());
        Path device = Path.of("/dev/zero");
        IOException d = assertThrows(IOException.class, () -> GGUFFile.open(device));
        assertEquals("cannot read " + device + " as a model: it is not a regular file (a device, pipe or socket); give"
                + " a GGUF model file", d.getMessage());
    }

    @Test
    void fileTruncatedWhileMappedIsNamed() throws IOException {
        Path file = dir.resolve("shrinking.gguf");
        new GGUFWriter().addTensor("big", GGMLType.F32, new long[] {1 << 20}, new byte[4 << 20]).write(file);
        try (GGUFFile f = GGUFFile.open(file)) {
            long size = f.fileSize();
            try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                channel.truncate(4096);
            }
            MemorySegment data = f.tensorData(f.tensor("big").orElseThrow());
            InternalError fault = assertThrows(InternalError.class,
                    () -> data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, data.byteSize() - 1));
            assertEquals("model file " + file + " was truncated or replaced while in use (" + size
                    + " bytes when loaded, now 4096): do not change a model file while kvscope reads it; run again"
                    + " to load it afresh", GGUFFile.describeMappingFault(fault));
        }
    }

    // --- helpers -----------------------------------------------------------------------------

    private Path write(byte[] bytes) throws IOException {
        Path file = dir.resolve("damaged.gguf");
        Files.write(file, bytes);
        return file;
    }

    private GGUFException openFails(byte[] bytes) throws IOException {
        Path file = write(bytes);
        return assertThrows(GGUFException.class, () -> GGUFFile.open(file).close());
    }

    private static void assertMessage(GGUFException e, String expected, long offset) {
        String m = e.getMessage();
        assertTrue(m.contains(expected), () -> "message lacks '" + expected + "': " + m);
        assertTrue(m.endsWith("(at byte offset " + offset + ")"), () -> "message lacks offset " + offset + ": " + m);
    }
}
