package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.shape.LineTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.LayerBand;

/**
 * A line chart over layers that also draws shaded bands (the spread across heads) behind the lines and optional
 * dashed horizontal reference lines with a label (e.g. ln n, the entropy of uniform attention).
 */
final class BandedLineChart extends LineChart<Number, Number> {
    private final List<LayerBand> bands = new ArrayList<>();
    private final List<Path> bandPaths = new ArrayList<>();
    private final ReferenceLines references = new ReferenceLines();

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

    void setReferences(List<ReferenceLines.Reference> refs) {
        references.set(refs, getPlotChildren());
        requestChartLayout();
    }

    List<ReferenceLines.Reference> references() {
        return references.references();
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
        references.addValues(extra);
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
        references.layout(y, x.getWidth());
    }
}
