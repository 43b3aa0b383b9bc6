package org.kvscope.app.ui.view;

import java.util.EnumMap;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Orientation;
import javafx.scene.control.SplitPane;

/**
 * The Attention tab: the heatmap and the layer × head grid, side by side or stacked (narrow windows). The
 * divider is draggable and remembered per orientation, so a window that stacks and unstacks keeps what the user
 * chose for each; the grid collapses to its title (the chevron in its header) to give the heatmap the whole page.
 */
final class AttentionSplit extends SplitPane {
    /** The heatmap's share before the user moves the divider: side by side, and stacked. */
    static final double SIDE_BY_SIDE = 0.6, STACKED = 0.78;

    private final BooleanProperty gridShown = new SimpleBooleanProperty(true);
    private final Map<Orientation, Double> remembered = new EnumMap<>(Map.of(Orientation.HORIZONTAL, SIDE_BY_SIDE,
            Orientation.VERTICAL, STACKED));
    private boolean placing;

    AttentionSplit(Card heatmap, Card grid) {
        super(heatmap, grid);
        grid.collapsible(gridShown, "grid-toggle");
        getDividers().getFirst().positionProperty().addListener((o, a, at) -> {
            if (!placing && gridShown.get()) {
                remembered.put(getOrientation(), at.doubleValue());
            }
        });
        orientationProperty().addListener((o, a, b) -> place());
        gridShown.addListener((o, a, b) -> place());
        place();
    }

    /** Whether the layer × head grid is shown (false: collapsed to its title). */
    BooleanProperty gridShownProperty() { return gridShown; }

    /** The divider position remembered for {@code orientation}. */
    double remembered(Orientation orientation) { return remembered.get(orientation); }

    private void place() {
        placing = true;
        try {
            // collapsed, the grid card's largest size is its title, so the divider stops there
            setDividerPositions(gridShown.get() ? remembered.get(getOrientation()) : 1.0);
        } finally {
            placing = false;
        }
    }
}
