package org.kvscope.app.ui.view;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.StackPane;
import javafx.scene.paint.Color;
import javafx.scene.shape.Rectangle;
import org.kvscope.app.eval.NeedleGridRun;
import org.kvscope.app.ui.Workbench;

/** Needle retrieval as a context length × depth grid: green retrieved, red missed (share over templates). */
public final class NeedleGridView extends GridPane {
    private final boolean fullKv;

    /** @param fullKv show the FullKV baseline of the grid instead of the policy's results */
    public NeedleGridView(boolean fullKv) {
        this.fullKv = fullKv;
        setHgap(2);
        setVgap(2);
        getStyleClass().add("needle-grid");
        show(null);
    }

    /** Success share per (length, depth) of the cases in {@code grid}. */
    public static Map<Integer, Map<Double, double[]>> tally(List<NeedleGridRun.CaseResult> cases, boolean fullKv) {
        Map<Integer, Map<Double, double[]>> t = new TreeMap<>();
        for (NeedleGridRun.CaseResult c : cases) {
            double[] cell = t.computeIfAbsent(c.needle().targetTokens(), k -> new TreeMap<>())
                    .computeIfAbsent(c.needle().depth(), k -> new double[2]);
            boolean ok = fullKv ? c.fullKv().success() : c.policy().success();
            cell[0] += ok ? 1 : 0;
            cell[1]++;
        }
        return t;
    }

    public void show(Workbench.NeedleResults grid) {
        getChildren().clear();
        if (grid == null || grid.cases().isEmpty()) {
            add(new Label("waiting for the needle re-run…"), 0, 0);
            return;
        }
        Map<Integer, Map<Double, double[]>> t = tally(grid.cases(), fullKv);
        List<Double> depths = t.values().stream().flatMap(m -> m.keySet().stream()).distinct().sorted().toList();
        Label corner = new Label("tokens \\ depth");
        corner.getStyleClass().add("muted");
        add(corner, 0, 0);
        for (int d = 0; d < depths.size(); d++) {
            Label l = new Label(String.format("%.0f%%", 100 * depths.get(d)));
            l.getStyleClass().add("muted");
            add(l, d + 1, 0);
        }
        int row = 1;
        for (var e : t.entrySet()) {
            Label l = new Label(Integer.toString(e.getKey()));
            l.getStyleClass().add("muted");
            add(l, 0, row);
            for (int d = 0; d < depths.size(); d++) {
                double[] cell = e.getValue().get(depths.get(d));
                Rectangle r = new Rectangle(34, 22);
                Label v = new Label();
                if (cell == null) {
                    r.setFill(Color.web("#2b2f36"));
                } else {
                    double share = cell[0] / cell[1];
                    r.setFill(Color.web("#d9534f").interpolate(Color.web("#3fb27f"), share));
                    v.setText(String.format("%.0f", 100 * share));
                    Tooltip.install(r, new Tooltip(String.format("%d tokens, depth %.0f%%: %d of %d retrieved",
                            e.getKey(), 100 * depths.get(d), (int) cell[0], (int) cell[1])));
                }
                StackPane p = new StackPane(r, v);
                p.setAlignment(Pos.CENTER);
                add(p, d + 1, row);
            }
            row++;
        }
    }
}
