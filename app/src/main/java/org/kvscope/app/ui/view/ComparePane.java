package org.kvscope.app.ui.view;

import java.util.List;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.value.ObservableValue;
import javafx.geometry.Rectangle2D;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.viz.view.AttentionHeatmapView;

/**
 * The Compare A | B page: the totals of both policies; one set of heatmap controls with Swap and Copy beside
 * them; A's and B's heatmaps of the selected head side by side as one figure (A's query labels on the left, one
 * colour bar on the right: both show the same map on the same scale, only the kept keys differ); and the policy
 * diff below. The page scrolls: the figure takes the height the window leaves under the controls, as much as its
 * square heatmaps can use, and never so little that a map gets shorter than {@link #MIN_MAP} pixels.
 */
public final class ComparePane extends ScrollPane {
    /** Least height of a heatmap's map, in pixels, however small the window (the page scrolls instead). */
    static final double MIN_MAP = 200;

    private final AttentionPane a;
    private final AttentionPane b;
    private final PolicyDiffPane diff;
    private final VBox header;
    private final Card figure;
    private final VBox page;
    private final HeatmapControls controls;
    private final BooleanProperty active = new SimpleBooleanProperty(true);

    public ComparePane(WorkbenchViewModel vm, HeadSelection selection, ObservableValue<String> totals) {
        a = new AttentionPane(vm, vm.policyA(), selection, false);
        b = new AttentionPane(vm, vm.policyB(), selection, false);
        a.heatmap().colourBarVisibleProperty().set(false);
        b.heatmap().queryAxisVisibleProperty().set(false);
        labelSinksAlike(a.heatmap(), b.heatmap());
        diff = new PolicyDiffPane(vm, selection);
        for (var pane : List.of(a.activeProperty(), b.activeProperty(), diff.activeProperty())) {
            pane.bind(active);
        }
        Label totalsText = new Label();
        totalsText.getStyleClass().add("totals");
        totalsText.setWrapText(true);
        totalsText.setMinHeight(Region.USE_PREF_SIZE);
        totalsText.textProperty().bind(totals);
        controls = new HeatmapControls(vm, selection, List.of(a.heatmap(), b.heatmap()), "compare");
        javafx.scene.layout.BorderPane controlsRow = new javafx.scene.layout.BorderPane(controls);
        controlsRow.setRight(diff.actions());
        javafx.scene.layout.BorderPane.setAlignment(diff.actions(), javafx.geometry.Pos.BOTTOM_RIGHT);
        javafx.scene.layout.BorderPane.setMargin(diff.actions(), new javafx.geometry.Insets(0, 0, 0, 12));
        header = new VBox(8, totalsText, controlsRow);

        GridPane pair = new GridPane();
        pair.setHgap(6);
        for (int i = 0; i < 2; i++) {
            ColumnConstraints c = new ColumnConstraints();
            c.setPercentWidth(50);
            c.setHgrow(Priority.ALWAYS);
            pair.getColumnConstraints().add(c);
        }
        pair.addRow(0, a, b);
        GridPane.setVgrow(a, Priority.ALWAYS);
        GridPane.setVgrow(b, Priority.ALWAYS);
        figure = new Card("Attention of the selected head: A beside B on one colour scale", pair, a::shownMap);
        figure.setId("compare-figure");
        page = new VBox(10, header, figure, diff);
        page.getStyleClass().add("page");
        setContent(page);
        setFitToWidth(true);
        setAccessibleText("Compare policies A and B: heatmaps side by side and their differences");

        viewportBoundsProperty().addListener((o, x, y) -> sizeFigure());
        header.heightProperty().addListener((o, x, y) -> sizeFigure());
        a.heatmap().widthProperty().addListener((o, x, y) -> sizeFigure());
        a.heatmap().heightProperty().addListener((o, x, y) -> sizeFigure());
    }

    /**
     * Makes both heatmaps label their sink markers in the form that fits in both: A's query labels leave its title
     * less room, and B wrote "×4" where A wrote nothing.
     */
    private static void labelSinksAlike(AttentionHeatmapView a, AttentionHeatmapView b) {
        var common = javafx.beans.binding.Bindings.createObjectBinding(
                () -> a.sinkLabelRoomProperty().get().shorter(b.sinkLabelRoomProperty().get()),
                a.sinkLabelRoomProperty(), b.sinkLabelRoomProperty());
        a.sinkLabelLimitProperty().bind(common);
        b.sinkLabelLimitProperty().bind(common);
    }

    /** Whether the page is on screen; while it is not, its views only go stale. */
    public BooleanProperty activeProperty() { return active; }

    /** The heatmap controls shared by A and B. */
    public HeatmapControls controls() { return controls; }

    /** The policy diff under the heatmaps. */
    public PolicyDiffPane diff() { return diff; }

    /** A's heatmap (0) or B's (1). */
    public AttentionHeatmapView heatmap(int index) { return (index == 0 ? a : b).heatmap(); }

    /**
     * Gives the figure the height at which its maps are square at their width, within what the viewport leaves
     * under the header (the rest of the page scrolls), and at least enough for {@link #MIN_MAP}-pixel maps.
     */
    private void sizeFigure() {
        AttentionHeatmapView h = a.heatmap();
        double viewport = getViewportBounds().getHeight();
        if (h.getWidth() <= 0 || h.getHeight() <= 0 || viewport <= 0) {
            return;
        }
        Rectangle2D plot = h.plotArea();
        double hInsets = h.getWidth() - plot.getWidth();
        double vInsets = h.getHeight() - plot.getHeight();
        double chrome = figure.getHeight() - h.getHeight();
        double square = h.getWidth() - hInsets + vInsets + chrome;
        double room = viewport - header.getHeight() - page.getSpacing() - page.getPadding().getTop()
                - page.getPadding().getBottom();
        double target = Math.floor(Math.min(square, Math.max(room, MIN_MAP + vInsets + chrome)));
        if (Math.abs(figure.getPrefHeight() - target) >= 1) {
            figure.setPrefHeight(target);
            figure.setMinHeight(target);
        }
    }
}
