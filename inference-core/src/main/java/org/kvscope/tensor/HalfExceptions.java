package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Where an F16 tensor holds halves that {@link F16Tensor}'s fast conversion gets wrong:
 * infinities and NaNs (exponent field 31). Element indices, sorted, with the first index at or
 * after every {@link #BUCKET} elements so a row finds its own with one lookup. Rows are read in
 * order, so both arrays stream like the weights do.
 *
 * <p>Trained weights hold none, so the index is usually empty. {@link #find} gives up (returns
 * null) on tensors past 2³¹ elements or with more than one exception in {@link #MAX_FRACTION}:
 * those keep the exact, slower conversion, and the index never grows past 1/16 of the tensor's
 * bytes.
 */
record HalfExceptions(int[] positions, int[] firstPerBucket) {
    /** Elements per entry of {@link #firstPerBucket}. */
    static final int BUCKET = 1024;
    /** At most one exception per this many elements, or {@link #find} returns null. */
    static final int MAX_FRACTION = 32;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;

    /** Elements per task of {@link #find}'s parallel scan. */
    private static final int SCAN_CHUNK = 1 << 20;

    /**
     * The exceptions among the {@code size} halves of m, or null where the fast path does not pay.
     * Scans on all cores: a 1B model's halves are read once, on the first token.
     */
    static HalfExceptions find(MemorySegment m, long size) {
        if (size > Integer.MAX_VALUE) {
            return null;
        }
        int n = (int) size;
        int chunks = (n + SCAN_CHUNK - 1) / SCAN_CHUNK;
        int[][] found = new int[chunks][];
        boolean[] tooMany = new boolean[1];
        Parallel.forRange(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1 && !tooMany[0]; c++) {
                int from = c * SCAN_CHUNK, to = Math.min(n, from + SCAN_CHUNK);
                found[c] = scan(m, from, to, (to - from) / MAX_FRACTION + 1);
                if (found[c] == null) {
                    tooMany[0] = true;
                }
            }
        });
        if (tooMany[0]) {
            return null;
        }
        int count = 0;
        for (int[] f : found) {
            count += f.length;
        }
        if (count > n / MAX_FRACTION) {
            return null;
        }
        int[] positions = new int[count];
        for (int c = 0, k = 0; c < chunks; k += found[c].length, c++) {
            System.arraycopy(found[c], 0, positions, k, found[c].length);
        }
        int[] first = new int[n / BUCKET + 2];
        for (int b = 0, k = 0; b < first.length; b++) {
            while (k < count && positions[k] < (long) b * BUCKET) {
                k++;
            }
            first[b] = k;
        }
        return new HalfExceptions(positions, first);
    }

    /** Exception positions in [from, to), or null past {@code limit} of them. */
    private static int[] scan(MemorySegment m, int from, int to, int limit) {
        int[] found = new int[64];
        int count = 0;
        int i = from;
        for (int L = S.length(); i <= to - L; i += L) {
            ShortVector exponent = ShortVector.fromMemorySegment(S, m, 2L * i, ByteOrder.LITTLE_ENDIAN).and((short) 0x7c00);
            VectorMask<Short> odd = exponent.compare(VectorOperators.EQ, (short) 0x7c00);
            if (odd.anyTrue()) {
                for (long bits = odd.toLong(); bits != 0; bits &= bits - 1) {
                    if (count == found.length) {
                        found = Arrays.copyOf(found, 2 * count);
                    }
                    found[count++] = i + Long.numberOfTrailingZeros(bits);
                }
                if (count > limit) {
                    return null;
                }
            }
        }
        for (; i < to; i++) {
            if (isException(m.get(Layouts.SHORT, 2L * i))) {
                if (count == found.length) {
                    found = Arrays.copyOf(found, 2 * count);
                }
                found[count++] = i;
            }
        }
        return count > limit ? null : Arrays.copyOf(found, count);
    }

    static boolean isException(short h) {
        return (h & 0x7c00) == 0x7c00;
    }

    /** Index into {@link #positions} of the first exception at or after element {@code offset}. */
    int firstAtOrAfter(long offset) {
        int k = firstPerBucket[(int) (offset / BUCKET)];
        while (k < positions.length && positions[k] < offset) {
            k++;
        }
        return k;
    }
}
