package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;

/** A tensor whose elements live in a memory segment (a slice of a mapped file or a heap array). */
abstract class SegmentTensor extends FloatTensor {
    protected final MemorySegment m;
    private final long size;

    SegmentTensor(MemorySegment m, long size) {
        long need = type().byteSize(size);
        if (m.byteSize() < need) {
            throw new IllegalArgumentException(type() + " tensor of " + size + " elements needs " + need
                    + " bytes; the segment has " + m.byteSize());
        }
        this.m = m;
        this.size = size;
    }

    @Override
    public final long size() { return size; }
}
