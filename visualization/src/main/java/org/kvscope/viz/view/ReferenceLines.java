package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.List;
import javafx.collections.ObservableList;
import javafx.scene.Node;
import javafx.scene.chart.NumberAxis;
import javafx.scene.shape.LineTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;
import javafx.scene.text.Text;

/**
 * Dashed horizontal reference lines with a label (e.g. ln n, the entropy of uniform attention) in a chart's plot
 * area, for any chart whose y axis is a {@link NumberAxis}. Styled by the {@code reference-line} and
 * {@code reference-label} classes (light and dark in the stylesheets).
 */
final class ReferenceLines {
    /** A dashed horizontal line at {@code value} labelled {@code label}. */
    record Reference(double value, String label) {
    }

    private final List<Reference> references = new ArrayList<>();
    private final List<Path> paths = new ArrayList<>();
    private final List<Text> labels = new ArrayList<>();

    /** Replaces the lines in {@code plotChildren}. */
    void set(List<Reference> refs, ObservableList<Node> plotChildren) {
        plotChildren.removeAll(paths);
        plotChildren.removeAll(labels);
        paths.clear();
        labels.clear();
        references.clear();
        references.addAll(refs);
        for (Reference r : references) {
            Path p = new Path();
            p.getStyleClass().add("reference-line");
            p.setMouseTransparent(true);
            Text t = new Text(r.label());
            t.getStyleClass().add("reference-label");
            t.setMouseTransparent(true);
            paths.add(p);
            labels.add(t);
        }
        plotChildren.addAll(paths);
        plotChildren.addAll(labels);
    }

    List<Reference> references() {
        return List.copyOf(references);
    }

    boolean isEmpty() {
        return references.isEmpty();
    }

    /** Adds the line values to the values an auto-ranging axis must show. */
    void addValues(List<Number> values) {
        references.forEach(r -> values.add(r.value()));
    }

    /** Positions the lines across a plot {@code width} pixels wide. */
    void layout(NumberAxis y, double width) {
        for (int i = 0; i < references.size(); i++) {
            double py = y.getDisplayPosition(references.get(i).value());
            paths.get(i).getElements().setAll(new MoveTo(0, py), new LineTo(width, py));
            Text t = labels.get(i);
            t.setX(Math.max(0, width - t.getLayoutBounds().getWidth() - 4));
            double above = py - 4;
            // below the line when the label would leave the top of the plot
            t.setY(above - t.getLayoutBounds().getHeight() < 0 ? py + t.getLayoutBounds().getHeight() : above);
            paths.get(i).toFront();
            t.toFront();
        }
    }
}
