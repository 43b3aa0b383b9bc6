package org.kvscope.tensor;

/**
 * Per-thread scratch arrays for the policy kernels' arguments (packed inputs, flattened rows, outputs read back at
 * once), so a selection does not allocate them per row: less garbage in the selection, fewer young collections
 * landing inside it. An array's contents are undefined when handed out, and it is the thread's until its next request
 * of that type: callers fill it, pass it to a kernel and read it back before asking again.
 */
public final class KernelScratch {
    private static final ThreadLocal<KernelScratch> MINE = new ThreadLocal<>();
    private float[] floats = new float[0];
    private int[] ints = new int[0];
    private long[] longs = new long[0];
    private double[] doubles = new double[0];

    private KernelScratch() {}

    private static KernelScratch mine() {
        KernelScratch s = MINE.get();
        if (s == null) {
            s = new KernelScratch();
            MINE.set(s);
        }
        return s;
    }

    /** This thread's float scratch of at least {@code n}. */
    public static float[] floats(int n) {
        KernelScratch s = mine();
        if (s.floats.length < n) {
            s.floats = new float[n];
        }
        return s.floats;
    }

    /** This thread's int scratch of at least {@code n}. */
    public static int[] ints(int n) {
        KernelScratch s = mine();
        if (s.ints.length < n) {
            s.ints = new int[n];
        }
        return s.ints;
    }

    /** This thread's long scratch of at least {@code n}. */
    public static long[] longs(int n) {
        KernelScratch s = mine();
        if (s.longs.length < n) {
            s.longs = new long[n];
        }
        return s.longs;
    }

    /** This thread's double scratch of at least {@code n}. */
    public static double[] doubles(int n) {
        KernelScratch s = mine();
        if (s.doubles.length < n) {
            s.doubles = new double[n];
        }
        return s.doubles;
    }
}
