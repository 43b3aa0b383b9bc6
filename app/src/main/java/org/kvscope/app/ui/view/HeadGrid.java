package org.kvscope.app.ui.view;

import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.StackPane;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.trace.AttentionMaps;

/** Small heatmaps of every (layer, head); clicking one selects it for the large view. */
public final class HeadGrid extends ScrollPane {
    private static final double CELL = 64;
    private final WorkbenchViewModel vm;
    private final HeadSelection selection;
    private final GridPane grid = new GridPane();

    public HeadGrid(WorkbenchViewModel vm, HeadSelection selection) {
        this.vm = vm;
        this.selection = selection;
        grid.setHgap(3);
        grid.setVgap(3);
        grid.getStyleClass().add("head-grid");
        setContent(grid);
        setFitToWidth(true);
        vm.captureProperty().addListener((o, a, b) -> rebuild());
        selection.layerProperty().addListener((o, a, b) -> highlight());
        selection.headProperty().addListener((o, a, b) -> highlight());
        selection.logProperty().addListener((o, a, b) -> rebuild());
        rebuild();
    }

    private void rebuild() {
        grid.getChildren().clear();
        CaptureRun run = vm.capture();
        if (run == null) {
            grid.add(new Label("Run a prompt to see every layer and head."), 0, 0);
            return;
        }
        AttentionMaps maps = run.capture().maps();
        for (int h = 0; h < maps.heads(); h++) {
            Label hl = new Label("h" + h);
            hl.getStyleClass().add("muted");
            grid.add(hl, h + 1, 0);
        }
        for (int l = 0; l < maps.layers(); l++) {
            Label ll = new Label("L" + l);
            ll.getStyleClass().add("muted");
            grid.add(ll, 0, l + 1);
            for (int h = 0; h < maps.heads(); h++) {
                HeatmapView v = new HeatmapView();
                v.setCompact(true);
                v.setPrefSize(CELL, CELL);
                v.setMinSize(CELL, CELL);
                v.setMaxSize(CELL, CELL);
                v.show(maps.map(l, h), maps.size(), maps.tokens(), null, 0, selection.logProperty().get());
                StackPane frame = new StackPane(v);
                frame.setAlignment(Pos.CENTER);
                frame.getStyleClass().add("grid-cell");
                int layer = l;
                int head = h;
                frame.setUserData(new int[] {l, h});
                Tooltip.install(frame, new Tooltip(String.format("layer %d head %d — entropy %.2f, sink mass %.2f",
                        l, h, run.capture().funneling().entropy(l, h), run.capture().funneling().sinkMass(l, h))));
                frame.setOnMouseClicked(e -> {
                    selection.layerProperty().set(layer);
                    selection.headProperty().set(head);
                });
                grid.add(frame, h + 1, l + 1);
            }
        }
        highlight();
    }

    private void highlight() {
        grid.getChildren().forEach(n -> {
            if (n.getUserData() instanceof int[] lh) {
                boolean on = lh[0] == selection.layerProperty().get() && lh[1] == selection.headProperty().get();
                n.getStyleClass().remove("selected");
                if (on) {
                    n.getStyleClass().add("selected");
                }
            }
        });
    }
}
