package org.kvscope.viz.view;

import java.util.List;
import javafx.geometry.Rectangle2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.kvscope.viz.ColorScale;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.KeptMask;
import org.kvscope.viz.raster.Bins;
import org.kvscope.viz.raster.ValueScale;

/** Draws the heatmap's axes: token labels or position ticks, the kept strip and the colour bar. */
final class HeatmapAxes {
    /** Colour of evicted keys in the kept strip (light theme; the palette's {@code inactive}). */
    static final Color EVICTED_STRIP = VizTheme.LIGHT.inactive();
    /** Height of the kept strip under the key axis. */
    static final double STRIP_H = 7;

    private HeatmapAxes() {
    }

    /** What part of the map is on screen and where. */
    record Frame(Rectangle2D image, int k0, int cols, int q0, int rows, int rasterW, int rasterH, double cell) {
        double keyX(int rasterPx) {
            return image.getMinX() + rasterPx * image.getWidth() / rasterW;
        }

        double queryY(int rasterPy) {
            return image.getMinY() + rasterPy * image.getHeight() / rasterH;
        }

        /** First and one-past-last key under raster column {@code px}. */
        int keyStart(int px) {
            return k0 + Bins.start(px, cols, rasterW);
        }

        int keyEnd(int px) {
            return k0 + Bins.end(px, cols, rasterW);
        }

        int queryStart(int py) {
            return q0 + Bins.start(py, rows, rasterH);
        }

        int queryEnd(int py) {
            return q0 + Bins.end(py, rows, rasterH);
        }
    }

    /** Whether any key under raster column {@code px} is kept. */
    static boolean anyKept(KeptMask mask, Frame f, int px) {
        for (int k = f.keyStart(px), end = f.keyEnd(px); k < end; k++) {
            if (mask.isKept(k)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The kept strip: one run per raster column, kept when any key under it is kept ({@code keptColumns}, one per
     * column of a raster); the raster's columns {@code src} (x range) are drawn into {@code dst} (x range), clipped to
     * the x range of {@code clip}.
     */
    static void keptStrip(GraphicsContext g, boolean[] keptColumns, Rectangle2D src, Rectangle2D dst,
                          Rectangle2D clip, Color kept, double y) {
        double scale = dst.getWidth() / src.getWidth();
        int px = (int) src.getMinX();
        int last = (int) src.getMaxX();
        while (px < last) {
            boolean state = keptColumns[px];
            int end = px + 1;
            while (end < last && keptColumns[end] == state) {
                end++;
            }
            double x0 = Math.max(clip.getMinX(), dst.getMinX() + (px - src.getMinX()) * scale);
            double x1 = Math.min(clip.getMaxX(), dst.getMinX() + (end - src.getMinX()) * scale);
            if (x1 > x0) {
                g.setFill(state ? kept : VizTheme.palette().inactive());
                g.fillRect(x0, y, Math.max(1, x1 - x0), STRIP_H);
            }
            px = end;
        }
    }

    /**
     * Token text beside every row and under every column when cells are tall enough, else position ticks; no row
     * labels when {@code leftSpace} is 0 or less.
     */
    static void labels(GraphicsContext g, Frame f, AttentionMap m, Font font, double leftSpace, double keySpace,
                       double keyTop) {
        double fontPx = font.getSize();
        Rectangle2D img = f.image();
        g.setFont(font);
        g.setFill(VizTheme.palette().muted());
        boolean tokens = f.cell() >= fontPx + 1 && f.rasterW() == f.cols() && f.rasterH() == f.rows();
        int leftChars = Math.max(2, (int) (leftSpace / (fontPx * 0.62)));
        int keyChars = Math.max(2, (int) (keySpace / (fontPx * 0.62)));
        g.setTextBaseline(VPos.CENTER);
        boolean rowLabels = leftSpace > 0;
        if (tokens) {
            g.setTextAlign(TextAlignment.RIGHT);
            for (int r = 0; rowLabels && r < f.rows(); r++) {
                int q = f.q0() + r;
                g.fillText(WeightFormat.token(m.queryTokens().get(q), leftChars), img.getMinX() - 4,
                        img.getMinY() + (r + 0.5) * f.cell());
            }
            for (int c = 0; c < f.cols(); c++) {
                int k = f.k0() + c;
                g.save();
                g.translate(img.getMinX() + (c + 0.5) * f.cell(), keyTop);
                g.rotate(-90);
                g.fillText(WeightFormat.token(m.keyTokens().get(k), keyChars), 0, 0);
                g.restore();
            }
            return;
        }
        int qStride = niceStride((fontPx + 6) / cellHeight(f));
        g.setTextAlign(TextAlignment.RIGHT);
        for (int q = firstMultiple(f.q0(), qStride); rowLabels && q < f.q0() + f.rows(); q += qStride) {
            double y = img.getMinY() + (q - f.q0() + 0.5) * img.getHeight() / f.rows();
            g.fillText("#" + m.queryPositions()[q], img.getMinX() - 4, y);
        }
        int kStride = niceStride((fontPx + 6) / cellWidth(f));
        for (int k = firstMultiple(f.k0(), kStride); k < f.k0() + f.cols(); k += kStride) {
            g.save();
            g.translate(img.getMinX() + (k - f.k0() + 0.5) * img.getWidth() / f.cols(), keyTop);
            g.rotate(-90);
            g.fillText("#" + m.keyPositions()[k], 0, 0);
            g.restore();
        }
    }

    private static double cellWidth(Frame f) {
        return f.image().getWidth() / f.cols();
    }

    private static double cellHeight(Frame f) {
        return f.image().getHeight() / f.rows();
    }

    /** Smallest of 1, 2, 5, 10, 20, 50, ... that is at least {@code min}. */
    static int niceStride(double min) {
        int step = 1;
        while (true) {
            for (int m : new int[] {1, 2, 5}) {
                if (step * m >= min) {
                    return step * m;
                }
            }
            step *= 10;
        }
    }

    private static int firstMultiple(int from, int stride) {
        return (from + stride - 1) / stride * stride;
    }

    /** Vertical colour bar with ticks; returns nothing, draws into {@code bar} and tick labels right of it. */
    static void colourBar(GraphicsContext g, Rectangle2D bar, ColorScale scale, ValueScale values, Font font,
                          WritableImage gradient) {
        writeGradient(gradient, scale);
        boolean smooth = g.isImageSmoothing();
        g.setImageSmoothing(false);
        g.drawImage(gradient, bar.getMinX(), bar.getMinY(), bar.getWidth(), bar.getHeight());
        g.setImageSmoothing(smooth);
        g.setStroke(VizTheme.palette().grid());
        g.setLineWidth(1);
        g.strokeRect(bar.getMinX() - 0.5, bar.getMinY() - 0.5, bar.getWidth() + 1, bar.getHeight() + 1);
        g.setFont(font);
        g.setFill(VizTheme.palette().muted());
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.CENTER);
        g.setStroke(VizTheme.palette().muted());
        for (double v : ticks(values)) {
            double y = bar.getMaxY() - values.position(v) * bar.getHeight();
            g.strokeLine(bar.getMaxX(), y, bar.getMaxX() + 3, y);
            String text = WeightFormat.tick(v);
            if (v == values.hi() && !Double.isNaN(values.percentile())) {
                text = "≥" + text;
            }
            g.fillText(text, bar.getMaxX() + 5, y);
        }
    }

    /** Tick values: five even steps for linear, each decade for log, always including both ends. */
    static List<Double> ticks(ValueScale v) {
        java.util.ArrayList<Double> out = new java.util.ArrayList<>();
        if (v.mapping() == ColorScales.Mapping.LOG && v.lo() > 0 && v.hi() > v.lo()) {
            out.add(v.lo());
            for (int e = (int) Math.ceil(Math.log10(v.lo()) + 1e-9); Math.pow(10, e) < v.hi() * (1 - 1e-9); e++) {
                double t = Math.pow(10, e);
                if (t > v.lo() * 1.5 && t < v.hi() / 1.5) {
                    out.add(t);
                }
            }
            out.add(v.hi());
            return out;
        }
        for (int i = 0; i <= 4; i++) {
            out.add(v.lo() + (v.hi() - v.lo()) * i / 4);
        }
        return out;
    }

    private static void writeGradient(WritableImage img, ColorScale scale) {
        int h = (int) img.getHeight();
        int[] lut = scale.lookupTable();
        int[] column = new int[h];
        for (int y = 0; y < h; y++) {
            column[y] = lut[ColorScale.SIZE - 1 - y * (ColorScale.SIZE - 1) / (h - 1)];
        }
        img.getPixelWriter().setPixels(0, 0, 1, h, PixelFormat.getIntArgbInstance(), column, 0, 1);
    }
}
