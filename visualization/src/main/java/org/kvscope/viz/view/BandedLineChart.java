package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.shape.LineTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;
import javafx.scene.text.Text;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.LayerBand;

/**
 * A line chart over layers that also draws shaded bands (the spread across heads) behind the lines and optional
 * dashed horizontal reference lines with a label (e.g. ln n, the entropy of uniform attention).
 */
final class BandedLineChart extends LineChart<Number, Number> {
    /** A dashed horizontal line at {@code value} labelled {@code label}. */
    record Reference(double value, String label) {
    }

    private final List<LayerBand> bands = new ArrayList<>();
    private final List<Path> bandPaths = new ArrayList<>();
    private final List<Reference> references = new ArrayList<>();
    private final List<Path> referencePaths = new ArrayList<>();
    private final List<Text> referenceLabels = new ArrayList<>();

    BandedLineChart(NumberAxis x, NumberAxis y) {
        super(x, y);
    }

    void setBands(List<LayerBand> newBands) {
        getPlotChildren().removeAll(bandPaths);
        bandPaths.clear();
        bands.clear();
        bands.addAll(newBands);
        int other = 0;
        for (LayerBand b : bands) {
            Path p = new Path();
            p.getStyleClass().add("layer-band");
            VizStyle.Role role = VizStyle.role(b.name());
            javafx.scene.paint.Color c = VizStyle.seriesColor(b.name(), role == VizStyle.Role.OTHER ? other++ : 0);
            p.setStyle("-fx-fill: " + ColorScales.css(c) + "33; -fx-stroke: transparent;");
            p.setMouseTransparent(true);
            bandPaths.add(p);
        }
        getPlotChildren().addAll(0, bandPaths);
        requestChartLayout();
    }

    void setReferences(List<Reference> refs) {
        getPlotChildren().removeAll(referencePaths);
        getPlotChildren().removeAll(referenceLabels);
        referencePaths.clear();
        referenceLabels.clear();
        references.clear();
        references.addAll(refs);
        for (Reference r : references) {
            Path p = new Path();
            p.getStyleClass().add("reference-line");
            p.setStyle("-fx-stroke: #7a808a; -fx-stroke-width: 1.5; -fx-stroke-dash-array: 6 4;");
            p.setMouseTransparent(true);
            Text t = new Text(r.label());
            t.getStyleClass().add("reference-label");
            t.setStyle("-fx-fill: #5c626c; -fx-font-size: 10px;");
            referencePaths.add(p);
            referenceLabels.add(t);
        }
        getPlotChildren().addAll(referencePaths);
        getPlotChildren().addAll(referenceLabels);
        requestChartLayout();
    }

    List<Reference> references() {
        return List.copyOf(references);
    }

    List<LayerBand> bands() {
        return List.copyOf(bands);
    }

    @Override
    protected void updateAxisRange() {
        super.updateAxisRange();
        NumberAxis y = (NumberAxis) getYAxis();
        if (!y.isAutoRanging() || bands.isEmpty() && references.isEmpty()) {
            return;
        }
        List<Number> extra = new ArrayList<>();
        for (LayerBand b : bands) {
            for (int l = 0; l < b.layerCount(); l++) {
                if (!Double.isNaN(b.low()[l])) {
                    extra.add(b.low()[l]);
                    extra.add(b.high()[l]);
                }
            }
        }
        references.forEach(r -> extra.add(r.value()));
        for (Series<Number, Number> s : getData()) {
            s.getData().forEach(d -> extra.add(d.getYValue()));
        }
        if (!extra.isEmpty()) {
            y.invalidateRange(extra);
        }
    }

    @Override
    protected void layoutPlotChildren() {
        super.layoutPlotChildren();
        NumberAxis x = (NumberAxis) getXAxis();
        NumberAxis y = (NumberAxis) getYAxis();
        for (int i = 0; i < bands.size(); i++) {
            LayerBand b = bands.get(i);
            Path p = bandPaths.get(i);
            p.getElements().clear();
            List<Integer> layers = new ArrayList<>();
            for (int l = 0; l < b.layerCount(); l++) {
                if (!Double.isNaN(b.low()[l])) {
                    layers.add(l);
                }
            }
            for (int j = 0; j < layers.size(); j++) {
                int l = layers.get(j);
                double px = x.getDisplayPosition(l);
                double py = y.getDisplayPosition(b.high()[l]);
                p.getElements().add(j == 0 ? new MoveTo(px, py) : new LineTo(px, py));
            }
            for (int j = layers.size() - 1; j >= 0; j--) {
                int l = layers.get(j);
                p.getElements().add(new LineTo(x.getDisplayPosition(l), y.getDisplayPosition(b.low()[l])));
            }
            p.toBack();
        }
        double x0 = 0;
        double x1 = x.getWidth();
        for (int i = 0; i < references.size(); i++) {
            double py = y.getDisplayPosition(references.get(i).value());
            Path p = referencePaths.get(i);
            p.getElements().setAll(new MoveTo(x0, py), new LineTo(x1, py));
            Text t = referenceLabels.get(i);
            t.setX(x1 - t.getLayoutBounds().getWidth() - 4);
            t.setY(py - 4);
        }
    }
}
