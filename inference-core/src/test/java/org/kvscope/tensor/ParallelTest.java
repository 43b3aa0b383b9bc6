package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The resident-worker parallel loop: coverage, failures, nesting and concurrent callers. */
class ParallelTest {

    private static void assertEachIndexOnce(AtomicIntegerArray hits) {
        for (int i = 0; i < hits.length(); i++) {
            assertEquals(1, hits.get(i), "index " + i);
        }
    }

    @Test
    void everyIndexRunsExactlyOnceForManySizesAndGrains() {
        for (int n : new int[] {0, 1, 2, 7, 63, 64, 65, 1000, 4099}) {
            for (int grain : new int[] {1, 3, 32, 5000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                Parallel.forRange(n, grain, (from, to) -> {
                    assertTrue(0 <= from && from < to && to <= n, from + ".." + to + " of " + n);
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                assertEachIndexOnce(hits);
            }
        }
    }

    /** Chunks per participant (prefill's tiles and attention ranges ask for many): every index once, chunks of at least grain. */
    @Test
    void chunksPerThreadCoverEveryIndexOnce() {
        for (int n : new int[] {1, 9, 36, 192, 1000}) {
            for (int chunks : new int[] {0, 1, 8, 32, 64, 5000}) {
                for (int grain : new int[] {1, 4}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    Parallel.forRange(n, grain, chunks, (from, to) -> {
                        assertTrue(0 <= from && from < to && to <= n, from + ".." + to + " of " + n);
                        assertTrue(to - from >= Math.min(grain, n) || to == n, "chunk " + from + ".." + to + ", grain " + grain);
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    assertEachIndexOnce(hits);
                }
            }
        }
    }

    /**
     * Guided tails: every index once, every chunk within [tail, chunk], and in each participant's region (two cores:
     * halves on chunk boundaries) the chunk that emptied it, the smallest, under two tails; with full chunks to the end
     * (tail 0) every chunk but the range's last is a full one.
     */
    @Test
    void guidedTailsShrinkTheChunksWhereARegionRunsOut() {
        assumeTrue(Parallel.threads() == 2, "regions of two participants");
        int n = 1000, chunk = 125, tail = 5;
        for (int round = 0; round < 20; round++) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
            Parallel.forRange(n, 1, 4, tail, (from, to) -> {
                ranges.add(new int[] {from, to});
                for (int i = from; i < to; i++) {
                    hits.incrementAndGet(i);
                }
            });
            assertEachIndexOnce(hits);
            for (int[] r : ranges) {
                assertTrue(r[1] - r[0] >= tail && r[1] - r[0] <= chunk, r[0] + ".." + r[1]);
            }
            for (int[] region : new int[][] {{0, 500}, {500, 1000}}) {
                int smallest = ranges.stream().filter(r -> r[0] >= region[0] && r[1] <= region[1])
                        .mapToInt(r -> r[1] - r[0]).min().orElseThrow();
                assertTrue(smallest < 2 * tail, "region " + region[0] + ".." + region[1] + ": smallest chunk " + smallest);
            }
        }
        List<int[]> full = Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(1003, 1, 4, 0, (from, to) -> full.add(new int[] {from, to}));
        for (int[] r : full) {
            assertTrue(r[1] - r[0] == 126 || r[1] == 1003 && r[0] == 882, r[0] + ".." + r[1]);
        }
    }

    @Test
    void manyBackToBackLoopsLoseNothing() {
        // the decode pattern: hundreds of short loops in a row while the workers spin between them
        int[] total = new int[1];
        for (int loop = 0; loop < 2000; loop++) {
            AtomicIntegerArray hits = new AtomicIntegerArray(96);
            Parallel.forRange(96, 4, (from, to) -> {
                for (int i = from; i < to; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < 96; i++) {
                total[0] += hits.get(i);
            }
        }
        assertEquals(2000 * 96, total[0]);
    }

    @Test
    void aFailureInTheBodyReachesTheCallerAndThePoolStaysUsable() {
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                Parallel.forRange(1000, 1, (from, to) -> {
                    if (from <= 500 && 500 < to) {
                        throw boom;
                    }
                }));
        assertSame(boom, thrown);
        AtomicIntegerArray hits = new AtomicIntegerArray(1000);
        Parallel.forRange(1000, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                hits.incrementAndGet(i);
            }
        });
        assertEachIndexOnce(hits);
    }

    @Test
    void nestedLoopsRunInline() {
        AtomicIntegerArray hits = new AtomicIntegerArray(40 * 40);
        Parallel.forRange(40, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                int row = i;
                Parallel.forRange(40, 1, (f2, t2) -> {
                    for (int j = f2; j < t2; j++) {
                        hits.incrementAndGet(row * 40 + j);
                    }
                });
            }
        });
        assertEachIndexOnce(hits);
    }

    @Test
    void twoCallingThreadsAtOnceBothComplete() throws Exception {
        int n = 20_000;
        AtomicIntegerArray a = new AtomicIntegerArray(n), b = new AtomicIntegerArray(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        Thread other = new Thread(() -> {
            try {
                start.await();
                for (int rep = 0; rep < 50; rep++) {
                    Parallel.forRange(n, 16, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            b.incrementAndGet(i);
                        }
                    });
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        other.start();
        start.countDown();
        for (int rep = 0; rep < 50; rep++) {
            Parallel.forRange(n, 16, (from, to) -> {
                for (int i = from; i < to; i++) {
                    a.incrementAndGet(i);
                }
            });
        }
        other.join(TimeUnit.SECONDS.toMillis(60));
        assertTrue(!other.isAlive(), "the second caller finished");
        assertEquals(null, failure.get());
        for (int i = 0; i < n; i++) {
            assertEquals(50, a.get(i), "a " + i);
            assertEquals(50, b.get(i), "b " + i);
        }
    }

    @Test
    void workersJoinLoopsWhenMoreThanOneCoreIsAvailable() {
        if (Parallel.threads() < 2) {
            return; // a single-core machine runs every loop on the caller; nothing more to check
        }
        ConcurrentHashMap<Thread, Boolean> seen = new ConcurrentHashMap<>();
        for (int attempt = 0; attempt < 200 && seen.size() < 2; attempt++) {
            Parallel.forRange(64, 1, (from, to) -> {
                seen.put(Thread.currentThread(), true);
                long until = System.nanoTime() + 50_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait(); // give the other participants time to take chunks
                }
            });
        }
        assertTrue(seen.size() >= 2, "more than one thread ran chunks: " + seen.keySet());
    }
}
