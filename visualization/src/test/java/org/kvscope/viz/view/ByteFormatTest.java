package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ByteFormatTest {
    @Test
    void picksBinaryUnits() {
        assertEquals("512 B", ByteFormat.format(512));
        assertEquals("1.5 KiB", ByteFormat.format(1536));
        assertEquals("4 MiB", ByteFormat.format(4L << 20));
        assertEquals("2.25 GiB", ByteFormat.format(2.25 * (1L << 30)));
        assertEquals("0.33 KiB", ByteFormat.KiB.formatIn(340));
        assertEquals(ByteFormat.MiB, ByteFormat.unitFor(3_000_000));
        assertEquals("0.5 MiB", ByteFormat.MiB.formatIn(1 << 19));
    }
}
