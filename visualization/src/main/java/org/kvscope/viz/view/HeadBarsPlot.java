package org.kvscope.viz.view;

import java.util.List;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.paint.Color;

/**
 * A bar chart over categories whose bars are drawn on one canvas in the plot area instead of one node each, with
 * {@link ReferenceLines} that the y range includes. A node per bar cost 280–350 ms of FX-thread time for the 270
 * heads of a SmolLM2-135M-sized model the first time in a JVM (75 ms warm); the canvas draws them in about a
 * millisecond. The series' data are kept (no nodes), so the values stay readable through {@link #getData()}.
 */
final class HeadBarsPlot extends XYChart<String, Number> {
    /** The bars' fill (Okabe–Ito bluish green, readable on the light and the dark plot background). */
    static final Color BAR_FILL = Color.web("#009e73");
    /** Fill of the bars under the reference line when they are muted (the grey of the Heads page's streaming heads). */
    static final Color MUTED_FILL = Color.web("#7f7f7f");
    /** Gap between two bars as a share of the category spacing, and its largest size in pixels. */
    private static final double GAP_SHARE = 0.2;
    private static final double MAX_GAP = 2;

    final ReferenceLines references = new ReferenceLines();
    private final Canvas canvas = new Canvas();
    /** Whether bars under the first reference line are drawn in {@link #MUTED_FILL}. */
    boolean mutedBelowReference;

    HeadBarsPlot(SpacedCategoryAxis x, NumberAxis y) {
        super(x, y);
        setData(javafx.collections.FXCollections.observableArrayList());
        canvas.setManaged(false);
        getPlotChildren().add(canvas);
    }

    /** The canvas the bars are drawn on (at the plot area's origin, in axis display coordinates). */
    Canvas canvas() {
        return canvas;
    }

    javafx.collections.ObservableList<javafx.scene.Node> plotChildren() {
        return getPlotChildren();
    }

    /** Ranges the axis and lays the plot out again (after the reference lines change). */
    void relayout() {
        if (getYAxis().isAutoRanging()) {
            updateAxisRange();
        }
        requestChartLayout();
    }

    /** The bars in display order (the first series' data; empty without one). */
    List<Data<String, Number>> bars() {
        return getData() == null || getData().isEmpty() ? List.of() : getData().getFirst().getData();
    }

    /** The index of the bar whose column holds the plot x coordinate {@code x} (the nearest one), or -1 without bars. */
    int barAt(double x) {
        List<Data<String, Number>> bars = bars();
        int best = -1;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int i = 0; i < bars.size(); i++) {
            double d = Math.abs(centreX(bars.get(i)) - x);
            if (d < bestDistance) {
                bestDistance = d;
                best = i;
            }
        }
        return best;
    }

    /** The plot x coordinate of a bar's centre. */
    double centreX(Data<String, Number> bar) {
        return getXAxis().getDisplayPosition(bar.getXValue());
    }

    @Override
    protected void updateAxisRange() {
        super.updateAxisRange();
        NumberAxis y = (NumberAxis) getYAxis();
        if (!y.isAutoRanging() || references.isEmpty()) {
            return;
        }
        List<Number> values = new java.util.ArrayList<>();
        references.addValues(values);
        bars().forEach(d -> values.add(d.getYValue()));
        y.invalidateRange(values);
    }

    @Override
    protected void layoutPlotChildren() {
        double w = snapSizeX(getXAxis().getWidth());
        double h = snapSizeY(getYAxis().getHeight());
        if (canvas.getWidth() != w || canvas.getHeight() != h) {
            canvas.setWidth(w);
            canvas.setHeight(h);
        }
        draw();
        references.layout((NumberAxis) getYAxis(), w);
    }

    private void draw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        NumberAxis y = (NumberAxis) getYAxis();
        double spacing = ((SpacedCategoryAxis) getXAxis()).getCategorySpacing();
        double width = Math.max(1, spacing - Math.min(MAX_GAP, spacing * GAP_SHARE));
        double base = y.getDisplayPosition(Math.clamp(0, y.getLowerBound(), y.getUpperBound()));
        double line = mutedBelowReference && !references.isEmpty() ? references.references().getFirst().value()
                : Double.NEGATIVE_INFINITY;
        for (Data<String, Number> bar : bars()) {
            double top = y.getDisplayPosition(bar.getYValue());
            g.setFill(bar.getYValue().doubleValue() < line ? MUTED_FILL : BAR_FILL);
            g.fillRect(centreX(bar) - width / 2, Math.min(top, base), width, Math.abs(base - top));
        }
    }

    @Override
    protected void dataItemAdded(Series<String, Number> series, int itemIndex, Data<String, Number> item) {
        // drawn on the canvas at the next layout
    }

    @Override
    protected void dataItemRemoved(Data<String, Number> item, Series<String, Number> series) {
        removeDataItemFromDisplay(series, item);
    }

    @Override
    protected void dataItemChanged(Data<String, Number> item) {
        // drawn on the canvas at the next layout
    }

    @Override
    protected void seriesAdded(Series<String, Number> series, int seriesIndex) {
        // drawn on the canvas at the next layout
    }

    @Override
    protected void seriesRemoved(Series<String, Number> series) {
        removeSeriesFromDisplay(series);
    }
}
