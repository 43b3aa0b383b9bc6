package org.kvscope.app.ui.view;

import java.util.function.Consumer;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;

/**
 * An attention map (query rows × key columns, downsampled) with the current policy's overlay:
 * evicted key columns are dimmed and marked red in the strip below, sink columns get a marker.
 * Hovering reports the cell under the pointer; it resizes with its parent.
 */
public final class HeatmapView extends Region {
    private static final double STRIP = 6;
    private final Canvas canvas = new Canvas();
    private float[] map;
    private int size;
    private int tokens;
    private double[] keptFraction;
    private int sinks;
    private boolean log;
    private boolean compact;
    private Consumer<String> hover = s -> {};

    public HeatmapView() {
        getChildren().add(canvas);
        getStyleClass().add("heatmap");
        setMinSize(40, 40);
        setPrefSize(420, 420);
        canvas.setOnMouseMoved(e -> hover.accept(describe(e.getX(), e.getY())));
        canvas.setOnMouseExited(e -> hover.accept(""));
    }

    /** Small version for the layer × head grid: no strip, no markers. */
    public void setCompact(boolean compact) {
        this.compact = compact;
        redraw();
    }

    public void setOnHover(Consumer<String> hover) {
        this.hover = hover;
    }

    /**
     * @param map          row-major {@code size × size} max-pooled weights
     * @param tokens       prompt tokens the map covers
     * @param keptFraction per column bin, the share of its positions the policy keeps (null: all)
     * @param sinks        leading positions marked as sinks
     */
    public void show(float[] map, int size, int tokens, double[] keptFraction, int sinks, boolean log) {
        if (map != null && map.length != size * size) {
            throw new IllegalArgumentException("map has " + map.length + " cells, expected " + size + "×" + size);
        }
        this.map = map;
        this.size = size;
        this.tokens = tokens;
        this.keptFraction = keptFraction;
        this.sinks = sinks;
        this.log = log;
        redraw();
    }

    /** Share of kept positions per column bin (for tests and the summary line). */
    public double[] keptFraction() {
        return keptFraction == null ? null : keptFraction.clone();
    }

    @Override
    protected void layoutChildren() {
        double w = snapSizeX(getWidth());
        double h = snapSizeY(getHeight());
        if (canvas.getWidth() != w || canvas.getHeight() != h) {
            canvas.setWidth(w);
            canvas.setHeight(h);
            redraw();
        }
    }

    private double side() {
        double strip = compact ? 0 : STRIP + 2;
        return Math.max(1, Math.min(canvas.getWidth(), canvas.getHeight() - strip));
    }

    private void redraw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        if (map == null || size == 0) {
            g.setFill(Color.web("#2b2f36"));
            g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
            return;
        }
        g.drawImage(image(), 0, 0, side(), side());
        if (compact) {
            return;
        }
        double cell = side() / size;
        double y = side() + 2;
        for (int j = 0; j < size; j++) {
            double f = keptFraction == null ? 1 : keptFraction[j];
            g.setFill(f >= 0.999 ? Color.web("#3fb27f") : f <= 0.001 ? Color.web("#d9534f")
                    : Color.web("#e0a43a"));
            g.fillRect(j * cell, y, Math.max(1, cell), STRIP);
        }
        if (sinks > 0 && tokens > 0) {
            g.setStroke(Color.WHITE);
            g.setLineWidth(1.5);
            double x = binOf(sinks - 1) * cell + cell;
            g.strokeLine(x, 0, x, side());
        }
    }

    private WritableImage image() {
        float max = 0;
        for (float v : map) {
            max = Math.max(max, v);
        }
        int[] px = new int[size * size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                int argb = j > i ? 0xff1e2127 : HeatColors.argb(HeatColors.scale(map[i * size + j], max, log));
                if (keptFraction != null && j <= i && keptFraction[j] <= 0.001) {
                    argb = dim(argb);
                }
                px[i * size + j] = argb;
            }
        }
        WritableImage img = new WritableImage(size, size);
        img.getPixelWriter().setPixels(0, 0, size, size, PixelFormat.getIntArgbInstance(), px, 0, size);
        return img;
    }

    private static int dim(int argb) {
        int r = ((argb >> 16) & 0xff) / 4 + 40;
        int g = ((argb >> 8) & 0xff) / 4;
        int b = (argb & 0xff) / 4;
        return 0xff000000 | (r << 16) | (g << 8) | b;
    }

    private int binOf(int position) {
        return (int) ((long) position * size / tokens);
    }

    private String describe(double x, double y) {
        if (map == null || compact) {
            return "";
        }
        double cell = side() / size;
        int j = (int) (x / cell);
        int i = (int) (y / cell);
        if (i < 0 || j < 0 || i >= size || j >= size) {
            return "";
        }
        String kept = keptFraction == null ? "" : String.format(", kept %.0f%%", 100 * keptFraction[j]);
        return String.format("queries %s → keys %s: max weight %.4f%s", range(i), range(j), map[i * size + j], kept);
    }

    private String range(int bin) {
        int from = (int) Math.ceil((double) bin * tokens / size);
        int to = (int) Math.ceil((double) (bin + 1) * tokens / size) - 1;
        return from >= to ? Integer.toString(from) : from + "–" + to;
    }
}
