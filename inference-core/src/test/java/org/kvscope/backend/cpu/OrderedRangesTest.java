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
        OrderedRanges o = new OrderedRanges(2, 4).open(0, log);
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
        OrderedRanges o = new OrderedRanges(1, 4).open(3, new Log());
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
        OrderedRanges o = new OrderedRanges(1, 3).open(0, log);
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
}
