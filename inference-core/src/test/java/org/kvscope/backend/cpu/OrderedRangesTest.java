package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kvscope.trace.AttentionObserver;

/** {@link OrderedRanges} delivers each head's rows in range order whatever order the ranges finish in. */
class OrderedRangesTest {
    /** Notes "head:query:first weight" per call. */
    static final class Log implements AttentionObserver {
        final List<String> calls = new ArrayList<>();

        @Override
        public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
            calls.add(head + ":" + q + ":" + w[0] + ":" + count);
        }
    }

    private static void compute(OrderedRanges.Rows rows, int head, int q) {
        float[] scratch = {9f, 9f, q, q + 0.5f}; // the row at offset 2, as the forward pass's scratch holds it
        rows.onAttention(0, head, q, new int[] {0, 1}, scratch, 2, 2);
    }

    @Test
    void rangesThatFinishOutOfOrderAreDeliveredInOrder() {
        Log log = new Log();
        OrderedRanges o = new OrderedRanges(2, 1, 4).open(0, log);
        o.want(0, 1);
        o.want(0, 2);
        o.want(0, 3); // range 0 of head 0 holds no wanted row
        o.want(1, 0);
        assertFalse(o.wanted(0, 0));
        assertFalse(o.startsInOrder(0, 2));
        OrderedRanges.Rows r3 = o.rows(0), r2 = o.rows(0);
        compute(r3, 0, 30);
        compute(r3, 0, 31);
        o.finish(0, 3, r3); // waits for 1 and 2
        compute(r2, 0, 20);
        o.finish(0, 2, r2); // waits for 1
        assertEquals(List.of(), log.calls);
        assertTrue(o.startsInOrder(0, 1));
        assertTrue(o.startsInOrder(1, 0));
        log.onAttention(0, 0, 10, new int[] {0}, new float[] {10f}, 1); // range 1 reports as it goes
        o.finish(0, 1, null);
        OrderedRanges.Rows r0 = o.rows(1);
        compute(r0, 1, 5);
        o.finish(1, 0, r0); // its turn: delivered at once
        o.close();
        assertEquals(List.of("0:10:10.0:1", "0:20:20.0:2", "0:30:30.0:2", "0:31:31.0:2", "1:5:5.0:2"), log.calls);
    }

    @Test
    void aRangeLeftUndeliveredIsACallersBug() {
        OrderedRanges o = new OrderedRanges(1, 1, 4).open(3, new Log());
        o.want(0, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, o::close);
        assertEquals("layer 3, head 0: range 2's attention rows were not delivered", e.getMessage());
        o.open(4, new Log()).close(); // a layer with no wanted range has nothing to deliver
    }

    /**
     * Notes each block call as "block head:first query:rows:first count:weights of its rows", with any row not zero
     * from its weights to the block's width, and rows as Log.
     */
    static final class BlockLog implements AttentionObserver {
        final List<String> calls = new ArrayList<>();

        @Override
        public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
            calls.add(head + ":" + q + ":" + w[0] + ":" + count);
        }

        @Override
        public boolean wants(int layer, int head, int q) {
            return q != 41; // the block holding 41 is recorded row by row
        }

        @Override
        public void onAttentionBlock(int layer, int head, int[] queries, int from, int rows, int[] keys, float[] w,
                                     int wo, int rowStride, int firstCount) {
            StringBuilder s = new StringBuilder("block " + head + ":" + queries[from] + ":" + rows + ":" + firstCount);
            int width = AttentionObserver.blockWidth(firstCount, rows);
            for (int j = 0; j < rows; j++) {
                s.append(":").append(java.util.Arrays.toString(
                        java.util.Arrays.copyOfRange(w, wo + j * rowStride, wo + j * rowStride + firstCount + j)));
                for (int k = firstCount + j; k < width; k++) { // the contract's zeros to the block's width
                    if (rowStride < width || Float.floatToRawIntBits(w[wo + j * rowStride + k]) != 0) {
                        s.append(":not zero at ").append(j).append(",").append(k);
                        break;
                    }
                }
            }
            calls.add(s.toString());
        }
    }

    /**
     * A parked block is delivered after the range before it, as a block with its rows' weights and their zeros to the
     * block's width, from a reused buffer that held other rows; a block with an unwanted row, row by row.
     */
    @Test
    void aRecordedBlockIsDeliveredAsTheSameBlock() {
        BlockLog log = new BlockLog();
        OrderedRanges o = new OrderedRanges(1, 1, 3).open(0, log);
        o.want(0, 0);
        o.want(0, 1);
        o.want(0, 2);
        int[] queries = {0, 0, 0, 20, 21, 22, 23, 40, 41, 42, 43};
        OrderedRanges.Rows r0 = o.rows(0); // range 0 leaves its buffer full of 7s where range 2's zeros go
        int wide = AttentionObserver.blockWidth(29, 4);
        float[] sevens = new float[4 * wide];
        for (int j = 0; j < 4; j++) {
            java.util.Arrays.fill(sevens, j * wide, j * wide + 29 + j, 7f);
        }
        r0.onAttentionBlock(0, 0, queries, 3, 4, new int[wide], sevens, 0, wide, 29);
        r0.onAttentionBlock(0, 0, queries, 3, 4, new int[wide], sevens, 0, wide, 29);
        o.finish(0, 0, r0);
        assertEquals(2, log.calls.size());
        log.calls.clear();
        OrderedRanges.Rows r1 = o.rows(0);
        assertTrue(r1 == r0, "the delivered range's rows are reused");
        int width = AttentionObserver.blockWidth(2, 4), stride = width + 3; // rows at offset 1, stride apart
        float[] scratch = new float[1 + 4 * stride];
        java.util.Arrays.fill(scratch, 9f); // 9s past each row's width
        for (int j = 0; j < 4; j++) {
            java.util.Arrays.fill(scratch, 1 + j * stride + 2 + j, 1 + j * stride + width, 0f); // zeros to its width
            for (int k = 0; k < 2 + j; k++) {
                scratch[1 + j * stride + k] = 10 * j + k;
            }
        }
        r1.onAttentionBlock(0, 0, queries, 3, 4, new int[] {0, 1, 2, 3, 4}, scratch, 1, stride, 2);
        r1.onAttentionBlock(0, 0, queries, 7, 4, new int[] {0, 1, 2, 3, 4}, scratch, 1, stride, 2);
        java.util.Arrays.fill(scratch, -1f); // the forward pass reuses its scratch: recorded rows are copies
        o.finish(0, 2, r1); // waits for range 1
        assertEquals(List.of(), log.calls);
        log.onAttention(0, 0, 5, new int[] {0}, new float[] {5f}, 1);
        o.finish(0, 1, null);
        o.close();
        assertEquals(List.of("0:5:5.0:1",
                "block 0:20:4:2:[0.0, 1.0]:[10.0, 11.0, 12.0]:[20.0, 21.0, 22.0, 23.0]:[30.0, 31.0, 32.0, 33.0, 34.0]",
                "0:40:0.0:2", "0:42:20.0:4", "0:43:30.0:5"), log.calls);
    }

    /**
     * The loop's order keeps each participant's region of ranges (Parallel's split of heads × ranges) and runs it a
     * kv-head at a time, range by range, heads from the highest down, so that a range's earlier ranges sit at earlier
     * places in their regions, the head two regions share included (its early ranges at the front of one, its late
     * ones at the back of the next), a region that holds a last range ends with one (where another participant steals
     * first), and a kv-head's ranges in a region are run one after another (its keys and values stay in cache). In head
     * order, or with the heads of each range ascending, the shared head's range 2 (place 0, or 8) comes before its
     * range 1 (17, or 9); range by range over all the region's heads, kv-heads alternate.
     */
    @Test
    void eachRegionRunsAKvHeadAtATimeRangeByRangeSoThatEveryHeadsRangesStartInOrder() {
        int[][] shapes = {{9, 3, 4, 2}, {9, 3, 4, 3}, {32, 4, 4, 2}, {5, 1, 4, 2}, {9, 3, 4, 1}, {9, 3, 4, 4}, {9, 9, 4, 2}};
        for (int[] shape : shapes) {
            int heads = shape[0], group = shape[1], ranges = shape[2], threads = shape[3], n = heads * ranges;
            int t = Math.min(threads, n);
            int[] order = OrderedRanges.loopOrder(heads, group, ranges, threads);
            String what = heads + " heads of " + group + ", " + ranges + " ranges, " + threads + " threads";
            assertEquals(n, order.length, what);
            int[] place = new int[n];
            java.util.Arrays.fill(place, -1);
            for (int q = 0; q < t; q++) {
                int lo = q * n / t, hi = (q + 1) * n / t;
                for (int i = lo; i < hi; i++) {
                    assertTrue(order[i] >= lo && order[i] < hi, what + ": index " + i + " left its region");
                    assertEquals(-1, place[order[i]], what + ": range " + order[i] + " twice");
                    place[order[i]] = i - lo;
                    if (i > lo && order[i] / ranges / group != order[i - 1] / ranges / group) {
                        for (int j = lo; j < i; j++) {
                            assertTrue(order[j] / ranges / group != order[i] / ranges / group,
                                    what + ": kv-head " + order[i] / ranges / group + " comes back at index " + i);
                        }
                    }
                }
                if (java.util.stream.IntStream.range(lo, hi).anyMatch(i -> i % ranges == ranges - 1)) {
                    assertEquals(ranges - 1, order[hi - 1] % ranges, what + ": region " + q + " ends with a last range");
                }
            }
            for (int h = 0; h < heads; h++) {
                for (int r = 1; r < ranges; r++) {
                    assertTrue(place[h * ranges + r - 1] < place[h * ranges + r], what + ": head " + h + "'s range "
                            + r + " at place " + place[h * ranges + r] + ", range " + (r - 1) + " at "
                            + place[h * ranges + r - 1]);
                }
            }
        }
        // region 0 (heads 0-3, ranges 0 and 1 of head 4): kv-head 1's heads 4 and 3 range by range, then kv-head 0's
        assertEquals(List.of(16, 12, 17, 13, 14, 15, 8, 4, 0, 9), java.util.Arrays.stream(
                OrderedRanges.loopOrder(9, 3, 4, 2)).limit(10).boxed().toList());
    }
}
