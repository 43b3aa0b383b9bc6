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
}
