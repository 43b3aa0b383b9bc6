package org.kvscope.viz.view;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javafx.application.Platform;
import org.kvscope.viz.ColorScale;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.KeptMask;
import org.kvscope.viz.raster.MaxPooling;
import org.kvscope.viz.raster.PooledGrid;
import org.kvscope.viz.raster.ValueScale;

/**
 * Computes an {@link AttentionHeatmapView}'s raster off the FX thread: the colour range, max-pooling of the visible
 * cells, colouring, dimming of evicted columns and the kept strip's columns, all proportional to the map or the
 * raster. One request at a time per view: a new request cancels the one in flight (latest wins) and only the latest
 * result reaches the FX thread. Intermediate results are cached by what they depend on, so a new kept mask only
 * re-selects pixels and a new viewport only re-pools. All views share one daemon thread, which alone touches the
 * caches. A change of the kept mask alone needs no thread: {@link #remasked} re-selects the shown raster's pixels on
 * the caller's thread in work proportional to the raster.
 */
final class HeatmapRenderer {
    private static final ExecutorService THREAD = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kvscope-heatmap");
        t.setDaemon(true);
        return t;
    });
    /** How far evicted columns are blended towards the background. */
    static final double EVICTED_DIM = 0.72;

    /** Everything a raster depends on; equal requests give equal rasters. */
    record Request(AttentionMap map, ColorScales.Mapping mapping, boolean rowNormalised, double clipPercentile,
                   HeatmapAxes.Frame frame, KeptMask mask, ColorScale colours, VizTheme.Palette palette) {

        /** This request with another kept mask. */
        Request withMask(KeptMask other) {
            return new Request(map, mapping, rowNormalised, clipPercentile, frame, other, colours, palette);
        }
    }

    /** The strongest visible cell of a map (query -1 when none). */
    record Strongest(int query, int key, float weight) {
    }

    /**
     * A finished raster: its colour range, the pooled grid, the pixels to show ({@code grid}'s size, evicted columns
     * dimmed), which raster columns show a kept key (null without a mask), and the coloured pixels before and after
     * dimming ({@code dimmed} null until a mask needed them) from which another mask's pixels are selected. The
     * arrays are never written after the raster is made.
     */
    record Raster(Request request, ValueScale values, Strongest strongest, PooledGrid grid, int[] argb,
                  boolean[] keptColumns, int[] coloured, int[] dimmed) {
    }

    private final AtomicInteger generation = new AtomicInteger();
    // the caches below are touched only on THREAD
    private AttentionMap strongestFor;
    private Strongest strongest;
    private Request scaledFor;
    private ValueScale values;
    private Request pooledFor;
    private PooledGrid grid;
    private Request colouredFor;
    private int[] coloured;
    private int[] dimmed;

    /** Computes {@code request} in the background and hands the raster to {@code onFx} unless a newer one started. */
    void submit(Request request, Consumer<Raster> onFx) {
        int gen = generation.incrementAndGet();
        BooleanSupplier stale = () -> generation.get() != gen;
        THREAD.execute(() -> {
            if (stale.getAsBoolean()) {
                return;
            }
            try {
                Raster raster = render(request, stale);
                Platform.runLater(() -> {
                    if (!stale.getAsBoolean()) {
                        onFx.accept(raster);
                    }
                });
            } catch (CancellationException dropped) {
                // a newer request took over
            } catch (RuntimeException | Error e) {
                Platform.runLater(() -> {
                    if (!stale.getAsBoolean()) {
                        throw e;
                    }
                });
            }
        });
    }

    /** Drops the request in flight, if any. */
    void cancel() {
        generation.incrementAndGet();
    }

    private Raster render(Request r, BooleanSupplier stale) {
        AttentionMap m = r.map();
        if (strongestFor != m) {
            strongest = strongest(m);
            strongestFor = m;
        }
        checkCancelled(stale);
        if (scaledFor == null || scaledFor.map() != m || scaledFor.mapping() != r.mapping()
                || scaledFor.rowNormalised() != r.rowNormalised()
                || Double.compare(scaledFor.clipPercentile(), r.clipPercentile()) != 0) {
            values = ValueScale.of(m, r.mapping(), r.rowNormalised(), r.clipPercentile());
            scaledFor = r;
            pooledFor = null;
        }
        checkCancelled(stale);
        HeatmapAxes.Frame f = r.frame();
        if (pooledFor == null || !samePooling(pooledFor.frame(), f)) {
            grid = MaxPooling.pool(m, f.k0(), f.k0() + f.cols(), f.q0(), f.q0() + f.rows(), f.rasterW(), f.rasterH(),
                    values.rowFactors(), stale);
            pooledFor = r;
            colouredFor = null;
        }
        if (colouredFor == null || colouredFor.colours() != r.colours()
                || !colouredFor.palette().equals(r.palette())) {
            coloured = new int[grid.width() * grid.height()];
            grid.toArgb(r.colours(), values, coloured, r.palette().backgroundArgb(), r.palette().emptyArgb());
            dimmed = null;
            colouredFor = r;
        }
        checkCancelled(stale);
        if (r.mask() != null && dimmed == null) {
            dimmed = dim(coloured, r.palette());
        }
        return compose(r, values, strongest, grid, coloured, dimmed);
    }

    /**
     * The raster of {@code r} made from {@code shown} when the two differ only in their kept mask, or null: only the
     * pixels are selected again (and dimmed, the first time a mask is applied), so it costs work proportional to the
     * raster, not the map, and may run on the FX thread.
     */
    static Raster remasked(Raster shown, Request r) {
        if (!r.withMask(shown.request().mask()).equals(shown.request())) {
            return null;
        }
        int[] dimmedPixels = r.mask() == null || shown.dimmed() != null ? shown.dimmed() : dim(shown.coloured(), r.palette());
        return compose(r, shown.values(), shown.strongest(), shown.grid(), shown.coloured(), dimmedPixels);
    }

    private static int[] dim(int[] coloured, VizTheme.Palette palette) {
        int[] out = new int[coloured.length];
        for (int i = 0; i < coloured.length; i++) {
            out[i] = palette.dim(coloured[i], EVICTED_DIM);
        }
        return out;
    }

    /** The pixels of {@code r}'s mask: coloured in kept columns, dimmed in the others. */
    private static Raster compose(Request r, ValueScale values, Strongest strongest, PooledGrid grid, int[] coloured,
                                  int[] dimmed) {
        KeptMask mask = r.mask();
        if (mask == null) {
            return new Raster(r, values, strongest, grid, coloured, null, coloured, dimmed);
        }
        HeatmapAxes.Frame f = r.frame();
        int w = grid.width();
        boolean[] kept = new boolean[w];
        for (int px = 0; px < w; px++) {
            kept[px] = HeatmapAxes.anyKept(mask, f, px);
        }
        int[] argb = new int[coloured.length];
        for (int i = 0, px = 0; i < argb.length; i++, px = px + 1 == w ? 0 : px + 1) {
            argb[i] = kept[px] ? coloured[i] : dimmed[i];
        }
        return new Raster(r, values, strongest, grid, argb, kept, coloured, dimmed);
    }

    private static void checkCancelled(BooleanSupplier stale) {
        if (stale.getAsBoolean()) {
            throw new CancellationException();
        }
    }

    /** Whether two frames pool the same cells to the same raster size. */
    static boolean samePooling(HeatmapAxes.Frame a, HeatmapAxes.Frame b) {
        return a.k0() == b.k0() && a.cols() == b.cols() && a.q0() == b.q0() && a.rows() == b.rows()
                && a.rasterW() == b.rasterW() && a.rasterH() == b.rasterH();
    }

    /** The visible cell with the largest weight (the first of equal ones, row by row). */
    static Strongest strongest(AttentionMap m) {
        int bq = -1;
        int bk = -1;
        float best = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < m.queryCount(); q++) {
            for (int k = 0; k < m.keyCount(); k++) {
                float w = m.weight(q, k);
                if (w > best && !m.isCausallyMasked(q, k)) {
                    best = w;
                    bq = q;
                    bk = k;
                }
            }
        }
        return new Strongest(bq, bk, best);
    }
}
