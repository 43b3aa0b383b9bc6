package org.kvscope.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GGUFMetadataTest {

    @TempDir
    Path dir;

    private GGUFFile file;
    private GGUFMetadata m;

    @BeforeEach
    void open() throws IOException {
        Path path = dir.resolve("meta.gguf");
        new GGUFWriter()
                .putString("name", "tiny")
                .put("u8", GGUFValueType.UINT8, 200)
                .putUInt32("u32", 3_000_000_000L)
                .putUInt32("small", 12)
                .put("i64", GGUFValueType.INT64, -5L)
                .put("u64.big", GGUFValueType.UINT64, -1L)
                .putFloat32("eps", 1e-5f)
                .put("f64", GGUFValueType.FLOAT64, 0.25)
                .putBool("flag", true)
                .putStringArray("tokens", new String[] {"a", "b"})
                .putFloatArray("scores", new float[] {0.5f, -1f})
                .putInt32Array("types", new int[] {1, 2, 3})
                .putArray("u32s", GGUFValueType.UINT32, new long[] {1, 4_000_000_000L})
                .putArray("i64s", GGUFValueType.INT64, new long[] {7, -8})
                .putArray("f64s", GGUFValueType.FLOAT64, new double[] {1.5})
                .write(path);
        file = GGUFFile.open(path);
        m = file.metadata();
    }

    @AfterEach
    void close() {
        file.close();
    }

    @Test
    void stringArraysAreCheckedAtOpenAndDecodedOnFirstUse() throws IOException {
        MetadataEntry tokens = m.entry("tokens");
        assertTrue(tokens.toString().contains("LazyStrings"), "left in the mapping until asked for: " + tokens);
        assertEquals(OptionalInt.of(2), m.findArrayLength("tokens"));
        assertEquals(OptionalInt.of(3), m.findArrayLength("types"));
        assertEquals(OptionalInt.empty(), m.findArrayLength("name"));
        assertEquals(OptionalInt.empty(), m.findArrayLength("absent"));
        String[] first = (String[]) m.get("tokens");
        assertArrayEquals(new String[] {"a", "b"}, first);
        assertSame(first, m.get("tokens"), "decoded once");
        assertSame(first, m.asMap().get("tokens"));

        Path path = dir.resolve("closed.gguf");
        new GGUFWriter().putStringArray("words", new String[] {"é", "", "z"}).putStringArray("none", new String[0]).write(path);
        GGUFFile f = GGUFFile.open(path);
        GGUFMetadata closedLater = f.metadata();
        assertArrayEquals(new String[0], (String[]) closedLater.get("none"));
        f.releaseHeaderPages();
        assertEquals(OptionalInt.of(3), closedLater.findArrayLength("words"));
        f.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> closedLater.get("words"));
        assertEquals("GGUF metadata strings read after their file was closed", e.getMessage());
        assertEquals(OptionalInt.of(3), closedLater.findArrayLength("words"));
    }

    @Test
    void stringArraysDecodeAfterTheHeaderPagesAreReleased() throws IOException {
        file.releaseHeaderPages();
        assertArrayEquals(new String[] {"a", "b"}, m.getStringArray("tokens"));
    }

    @Test
    void integerGettersAcceptEveryIntegerTypeWithinRange() {
        assertEquals(200, m.getInt("u8"));
        assertEquals(12, m.getInt("small"));
        assertEquals(-5, m.getInt("i64"));
        assertEquals(3_000_000_000L, m.getLong("u32"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.getInt("u32"));
        assertTrue(e.getMessage().contains("'u32' holds 3000000000, outside the int range"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.getLong("u64.big"));
        assertTrue(e.getMessage().contains("UINT64 18446744073709551615, above the long maximum"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.getInt("u64.big"));
    }

    @Test
    void integerGettersRejectOtherTypesNamingKeyAndType() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.getInt("eps"));
        assertEquals("metadata key 'eps' has type FLOAT32, expected an integer type", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.getInt("name", 3));
        assertEquals("metadata key 'name' has type STRING, expected an integer type", e.getMessage());
    }

    @Test
    void defaultsApplyOnlyToAbsentKeys() {
        assertEquals(42, m.getInt("absent", 42));
        assertEquals(12, m.getInt("small", 42));
        assertEquals(9L, m.getLong("absent", 9L));
        assertEquals(2.5f, m.getFloat("absent", 2.5f));
        assertEquals(1e-5f, m.getFloat("eps", 2.5f));
        assertTrue(m.getBool("absent", true));
        assertTrue(m.getBool("flag", false));
    }

    @Test
    void missingKeysAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.getString("nope"));
        assertEquals("metadata key 'nope' is missing", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.getInt("nope"));
        assertThrows(IllegalArgumentException.class, () -> m.getFloatArray("nope"));
        assertNull(m.get("nope"));
        assertNull(m.typeOf("nope"));
        assertFalse(m.contains("nope"));
    }

    @Test
    void floatAcceptsAnyNumericType() {
        assertEquals(1e-5f, m.getFloat("eps"));
        assertEquals(0.25f, m.getFloat("f64"));
        assertEquals(200f, m.getFloat("u8"));
        assertEquals(1.8446744e19f, m.getFloat("u64.big"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.getFloat("flag"));
        assertEquals("metadata key 'flag' has type BOOL, expected a numeric type", e.getMessage());
    }

    @Test
    void stringAndBoolGetters() {
        assertEquals("tiny", m.getString("name"));
        assertEquals(Optional.of("tiny"), m.findString("name"));
        assertEquals(Optional.empty(), m.findString("absent"));
        assertThrows(IllegalArgumentException.class, () -> m.findString("u8"));
        assertTrue(m.getBool("flag"));
        assertThrows(IllegalArgumentException.class, () -> m.getBool("name", false));
    }

    @Test
    void arrayGettersConvertCompatibleElementTypes() {
        assertArrayEquals(new String[] {"a", "b"}, m.getStringArray("tokens"));
        assertArrayEquals(new float[] {0.5f, -1f}, m.getFloatArray("scores"));
        assertArrayEquals(new float[] {1f, 2f, 3f}, m.getFloatArray("types"));
        assertArrayEquals(new float[] {1.5f}, m.getFloatArray("f64s"));
        assertArrayEquals(new int[] {1, 2, 3}, m.getIntArray("types"));
        assertArrayEquals(new int[] {7, -8}, m.getIntArray("i64s"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.getIntArray("u32s"));
        assertTrue(e.getMessage().contains("'u32s' element 1 is 4000000000, outside the int range"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.getStringArray("scores"));
        assertEquals("metadata key 'scores' has type ARRAY of FLOAT32, expected ARRAY of STRING", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.getIntArray("scores"));
        assertThrows(IllegalArgumentException.class, () -> m.getFloatArray("tokens"));
        assertThrows(IllegalArgumentException.class, () -> m.getFloatArray("eps"));
    }

    @Test
    void findArrayVariantsAreEmptyOnlyWhenAbsent() {
        assertTrue(m.findStringArray("absent").isEmpty());
        assertTrue(m.findFloatArray("absent").isEmpty());
        assertTrue(m.findIntArray("absent").isEmpty());
        assertArrayEquals(new String[] {"a", "b"}, m.findStringArray("tokens").orElseThrow());
        assertArrayEquals(new float[] {0.5f, -1f}, m.findFloatArray("scores").orElseThrow());
        assertArrayEquals(new int[] {1, 2, 3}, m.findIntArray("types").orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> m.findIntArray("tokens"));
    }

    @Test
    void typedArrayGettersReturnCopies() {
        m.getStringArray("tokens")[0] = "changed";
        m.getFloatArray("scores")[0] = 99f;
        m.getIntArray("types")[0] = 99;
        assertEquals("a", m.getStringArray("tokens")[0]);
        assertEquals(0.5f, m.getFloatArray("scores")[0]);
        assertEquals(1, m.getIntArray("types")[0]);
    }

    @Test
    void asMapKeepsFileOrderAndIsUnmodifiable() {
        Map<String, Object> map = m.asMap();
        assertEquals("name", map.keySet().iterator().next());
        assertEquals(15, map.size());
        assertEquals(15, m.size());
        assertThrows(UnsupportedOperationException.class, () -> map.put("x", 1));
        assertEquals(GGUFValueType.ARRAY, m.typeOf("u32s"));
        assertEquals(GGUFValueType.UINT32, m.arrayElementType("u32s"));
        assertNull(m.arrayElementType("name"));
    }
}
