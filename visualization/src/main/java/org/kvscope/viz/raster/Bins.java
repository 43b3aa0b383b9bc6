package org.kvscope.viz.raster;

/**
 * Maps between {@code n} data cells and {@code p} pixels along one axis. When there are more cells than pixels each
 * pixel covers a contiguous run of cells (the runs partition the cells); otherwise each pixel shows exactly one cell
 * and a cell spans one or more pixels.
 */
public final class Bins {
    private Bins() {
    }

    /** First cell shown by pixel {@code pixel}. */
    public static int start(int pixel, int cells, int pixels) {
        return (int) ((long) pixel * cells / pixels);
    }

    /** One past the last cell shown by pixel {@code pixel}. */
    public static int end(int pixel, int cells, int pixels) {
        return Math.max(start(pixel, cells, pixels) + 1, (int) ((long) (pixel + 1) * cells / pixels));
    }

    /** First pixel that shows cell {@code cell}. */
    public static int firstPixel(int cell, int cells, int pixels) {
        int p = (int) Math.min(pixels - 1, (long) cell * pixels / cells);
        while (p > 0 && end(p - 1, cells, pixels) > cell) {
            p--;
        }
        while (end(p, cells, pixels) <= cell) {
            p++;
        }
        return p;
    }

    /** Last pixel that shows cell {@code cell}. */
    public static int lastPixel(int cell, int cells, int pixels) {
        int p = firstPixel(cell, cells, pixels);
        while (p + 1 < pixels && start(p + 1, cells, pixels) <= cell) {
            p++;
        }
        return p;
    }
}
