package org.kvscope.viz.view;

import javafx.geometry.Side;
import javafx.scene.Node;
import javafx.scene.chart.Axis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.transform.Rotate;
import javafx.scene.transform.Translate;

/**
 * Keeps a chart axis's title ("layer", "bytes (KiB)") inside the axis whatever its font and size.
 * JavaFX's {@link Axis} places its title only when its length, range or tick labels change, and it
 * ignores layout requests from its children: after the title's font changed (a stylesheet or
 * {@code em} size applied after the first layout, presentation mode) or the axis changed only across
 * its length, the title kept its old box and hung over the axis's edge, cut off (fresh-clone CI at
 * 1024×700: the KV-memory chart's 'layer'). Here a font change asks the chart to measure the axis
 * again, and every size or font change places the title as the axis itself would.
 */
public final class AxisLabels {
    private AxisLabels() {}

    /** Keeps both axes' titles of {@code chart} placed. Use on the JavaFX application thread. */
    public static void keepInside(XYChart<?, ?> chart) {
        keepInside(chart.getXAxis());
        keepInside(chart.getYAxis());
    }

    /** Keeps {@code axis}'s title placed for its current size, side and font. */
    public static void keepInside(Axis<?> axis) {
        Node found = axis.lookup(".axis-label");
        if (!(found instanceof Label label)) {
            return; // not JavaFX's axis layout: nothing of ours to correct
        }
        label.fontProperty().addListener(o -> {
            place(axis, label);
            axis.requestAxisLayout(); // its preferred size changed with the font: the chart sizes it again
        });
        axis.widthProperty().addListener(o -> place(axis, label));
        axis.heightProperty().addListener(o -> place(axis, label));
    }

    /** Where {@link Axis} puts its title for each side. */
    static void place(Axis<?> axis, Label label) {
        if (axis.getLabel() == null) {
            return;
        }
        double width = axis.getWidth();
        double height = axis.getHeight();
        double across = Math.ceil(label.prefHeight(width));
        Side side = axis.getSide() == null ? Side.BOTTOM : axis.getSide();
        if (side.isHorizontal()) {
            label.getTransforms().clear();
            label.setLayoutX(0);
            label.setLayoutY(side == Side.BOTTOM ? height - across : 0);
            label.resize(width, across);
        } else {
            label.getTransforms().setAll(new Translate(0, height), new Rotate(-90, 0, 0));
            label.setLayoutX(side == Side.RIGHT ? width - across : 0);
            label.setLayoutY(0);
            label.resize(height, across);
        }
    }
}
