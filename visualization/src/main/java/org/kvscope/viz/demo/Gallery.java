package org.kvscope.viz.demo;

import java.util.List;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.BudgetSchedule;
import org.kvscope.viz.view.AttentionHeatmapView;
import org.kvscope.viz.view.BudgetCurveChart;
import org.kvscope.viz.view.BudgetScheduleChart;
import org.kvscope.viz.view.FunnelMetric;
import org.kvscope.viz.view.FunnellingChart;
import org.kvscope.viz.view.HeatmapGridView;
import org.kvscope.viz.view.KvMemoryChart;
import org.kvscope.viz.view.LayerMetricChart;
import org.kvscope.viz.view.NeedleGridView;
import org.kvscope.viz.view.PerplexityDeltaChart;
import org.kvscope.viz.view.TokenStripView;

/** Every view filled with {@link SampleData}, laid out as a grid of titled cards. */
public final class Gallery {
    /** Layers of the synthetic model. */
    public static final int LAYERS = 8;
    /** Context length of the synthetic model. */
    public static final int CONTEXT = 2048;
    private static final double CARD_W = 420;
    private static final double CARD_H = 320;

    private final AttentionHeatmapView heatmap = new AttentionHeatmapView();
    private final HeatmapGridView grid = new HeatmapGridView(40);
    private final FunnellingChart funnelling = new FunnellingChart();
    private final LayerMetricChart overlap = new LayerMetricChart("PvC overlap by layer",
            LayerMetricChart.Style.BAR);
    private final BudgetCurveChart recall = new BudgetCurveChart("Attention recall vs budget");
    private final KvMemoryChart memory = new KvMemoryChart();
    private final BudgetScheduleChart schedule = new BudgetScheduleChart();
    private final NeedleGridView needles = new NeedleGridView();
    private final TokenStripView tokens = new TokenStripView();
    private final PerplexityDeltaChart perplexity = new PerplexityDeltaChart();
    private final GridPane root = new GridPane();

    /** Builds and fills all views. Call on the JavaFX application thread. */
    public Gallery() {
        AttentionMap map = SampleData.attention(CONTEXT, 4, 2.0, 1);
        heatmap.show(map, SampleData.topKeys(map, 4, 128, 512));
        grid.setMaps(SampleData.layerHeadMaps(4, 4, 96));
        grid.setSelected(new org.kvscope.viz.data.LayerHead(1, 2));
        funnelling.setSeries(FunnelMetric.ENTROPY, List.of(
                SampleData.funnel("FullKV", LAYERS, 5.2, 1.4, 1), SampleData.funnel("PyramidKV", LAYERS, 5.0, 1.6, 2),
                SampleData.funnel("SnapKV", LAYERS, 4.9, 2.0, 3)));
        funnelling.setSeries(FunnelMetric.POSITIONS_FOR_90_MASS, List.of(
                SampleData.funnel("FullKV", LAYERS, 900, 60, 4), SampleData.funnel("PyramidKV", LAYERS, 700, 70, 5)));
        funnelling.setSeries(FunnelMetric.SINK_MASS, List.of(
                SampleData.funnel("FullKV", LAYERS, 0.1, 0.7, 6)));
        overlap.setData("top-k overlap", List.of(SampleData.funnel("prefill vs chunk", LAYERS, 0.45, 0.9, 7),
                SampleData.funnel("chunk vs decode", LAYERS, 0.6, 0.95, 8)));
        overlap.setYRange(0, 1);
        recall.setData(SampleData.recallCurves());
        BudgetSchedule pyramid = SampleData.pyramid(LAYERS, 256, 4);
        schedule.setSchedule(pyramid);
        memory.setData(SampleData.memory(pyramid, CONTEXT, 2 * 4 * 64 * 2));
        needles.setGrid(SampleData.needles());
        tokens.setStrip(SampleData.tokenStrip(120));
        tokens.select(11, 14);
        perplexity.setData(SampleData.perplexityDeltas());

        VizStyle.apply(root, "viz-view", "gallery");
        root.setHgap(10);
        root.setVgap(10);
        root.setPadding(new Insets(10));
        List<Node> cards = List.of(
                card("AttentionHeatmapView — 2048 × 2048, SnapKV mask, log scale", heatmap),
                card("HeatmapGridView — layer × head", grid),
                card("FunnellingChart", funnelling),
                card("LayerMetricChart", overlap),
                card("BudgetCurveChart", recall),
                card("KvMemoryChart", memory),
                card("BudgetScheduleChart", schedule),
                card("NeedleGridView", needles),
                card("TokenStripView — NLL tint, selection 11..13", tokens),
                card("PerplexityDeltaChart", perplexity));
        heatmap.setMapping(org.kvscope.viz.ColorScales.Mapping.LOG);
        for (int i = 0; i < cards.size(); i++) {
            root.add(cards.get(i), i % 3, i / 3);
        }
    }

    private static Node card(String title, Region view) {
        Label label = new Label(title);
        label.getStyleClass().add("title");
        view.setPrefSize(CARD_W, CARD_H);
        view.setMinSize(CARD_W, CARD_H);
        view.setMaxSize(CARD_W, CARD_H);
        VBox box = new VBox(4, label, view);
        box.setStyle("-fx-border-color: #e1e3e8; -fx-border-radius: 6; -fx-padding: 6; -fx-background-color: white;");
        return box;
    }

    /** The grid of cards. */
    public GridPane root() {
        return root;
    }

    public AttentionHeatmapView heatmap() {
        return heatmap;
    }

    public HeatmapGridView grid() {
        return grid;
    }

    public FunnellingChart funnelling() {
        return funnelling;
    }

    public BudgetScheduleChart schedule() {
        return schedule;
    }

    public KvMemoryChart memory() {
        return memory;
    }

    public TokenStripView tokens() {
        return tokens;
    }
}
