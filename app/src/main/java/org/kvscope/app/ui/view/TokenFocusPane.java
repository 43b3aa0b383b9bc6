package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import javafx.geometry.Pos;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.TokenFocusViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.TokenAttention;
import org.kvscope.kv.KeptPositions;
import org.kvscope.tokenizer.Tokenizer;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.data.TokenWeights;
import org.kvscope.viz.view.TokenFlowView;

/**
 * Token-centred attention (BertViz / Inspectus style): click a prompt token to colour the prompt by
 * the attention that token pays (as query) or receives (as key), for the selected layer and head,
 * averaged over the layer's heads, or over every layer and head; the bars under each token show
 * whether A and B keep it in the same scope.
 */
public final class TokenFocusPane extends VBox {
    /** Which way the attention flows. */
    public enum Direction {
        PAYS("attention it pays (as query)"), RECEIVES("attention it receives (as key)");
        private final String label;
        Direction(String label) { this.label = label; }
        @Override public String toString() { return label; }
    }


    private final WorkbenchViewModel vm;
    private final HeadSelection selection;
    private final TokenFocusViewModel focus;
    private final TokenFlowView flow = new TokenFlowView();
    private final ChoiceBox<Direction> direction = new ChoiceBox<>();
    private final ChoiceBox<HeadScope> scope = new ChoiceBox<>();
    private final Label caption = new Label();
    private List<String> tokens = List.of();
    private CaptureRun tokensOf;
    private final javafx.beans.property.BooleanProperty active = new javafx.beans.property.SimpleBooleanProperty(true);
    private boolean stale;

    public TokenFocusPane(WorkbenchViewModel vm, HeadSelection selection) {
        super(6);
        this.vm = vm;
        this.selection = selection;
        this.focus = new TokenFocusViewModel(vm);
        flow.setId("token-flow");
        flow.setPrefHeight(260);
        direction.setId("token-direction");
        direction.getItems().setAll(Direction.values());
        direction.setValue(Direction.PAYS);
        scope.setId("token-scope");
        scope.getItems().setAll(HeadScope.values());
        scope.setValue(HeadScope.HEAD);
        CheckBox log = new CheckBox("log colours");
        log.setSelected(true);
        flow.mappingProperty().bind(log.selectedProperty().map(on -> on ? ColorScales.Mapping.LOG : ColorScales.Mapping.LINEAR));
        ProgressIndicator busy = new ProgressIndicator();
        busy.setPrefSize(18, 18);
        busy.visibleProperty().bind(focus.runningProperty());
        javafx.scene.layout.FlowPane bar = new javafx.scene.layout.FlowPane(8, 4, Labelled.of("Colour by", direction), Labelled.of("over", scope), log, busy);
        bar.setAlignment(Pos.CENTER_LEFT);
        caption.setId("token-caption");
        caption.getStyleClass().add("muted");
        caption.setWrapText(true);
        Label hover = new Label();
        hover.getStyleClass().add("muted");
        hover.textProperty().bind(flow.hoverTextProperty());
        VBox.setVgrow(flow, Priority.ALWAYS);
        getChildren().addAll(bar, caption, flow, hover);
        flow.clickedProperty().addListener((o, a, i) -> focus.focusProperty().set(i.intValue()));
        focus.attentionProperty().addListener((o, a, b) -> redraw());
        focus.focusProperty().addListener((o, a, b) -> redraw());
        direction.valueProperty().addListener((o, a, b) -> redraw());
        scope.valueProperty().addListener((o, a, b) -> redraw());
        selection.layerProperty().addListener((o, a, b) -> redraw());
        selection.headProperty().addListener((o, a, b) -> redraw());
        vm.captureProperty().addListener((o, a, b) -> redraw());
        for (PolicyViewModel p : vm.policies()) {
            p.analysisProperty().addListener((o, a, b) -> redraw());
        }
        active.addListener((o, a, on) -> {
            if (on && stale) {
                redraw();
            }
        });
        redraw();
    }

    /** Whether the pane is on screen; while it is not, changes only mark it stale. */
    public javafx.beans.property.BooleanProperty activeProperty() { return active; }

    public TokenFlowView flow() { return flow; }

    public TokenFocusViewModel model() { return focus; }

    public ChoiceBox<Direction> direction() { return direction; }

    public ChoiceBox<HeadScope> scope() { return scope; }

    /** What the colours mean now. */
    public String caption() { return caption.getText(); }

    /** Display texts of prompt tokens. */
    static List<String> tokenTexts(Tokenizer tokenizer, int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(tokenizer.tokenText(id));
        }
        return out;
    }

    private void redraw() {
        if (!active.get()) {
            stale = true;
            return;
        }
        stale = false;
        CaptureRun run = vm.capture();
        if (run == null || vm.model() == null) {
            flow.setData(null);
            caption.setText("Run a prompt, then click a token.");
            return;
        }
        if (tokensOf != run) {
            tokens = tokenTexts(vm.model().tokenizer(), run.promptTokens());
            tokensOf = run;
        }
        var ev = run.capture().evidence();
        int layer = Math.min(selection.layerProperty().get(), ev.layers() - 1);
        int head = Math.min(selection.headProperty().get(), ev.heads() - 1);
        HeadScope s = scope.getValue();
        double[] keptA = keptShare(vm.policyA(), layer, head / ev.groupSize(), s);
        double[] keptB = keptShare(vm.policyB(), layer, head / ev.groupSize(), s);
        int t = focus.focusProperty().get();
        TokenAttention att = focus.attentionProperty().get();
        String where = switch (s) {
            case HEAD -> "layer " + layer + " head " + head;
            case LAYER -> "layer " + layer + ", mean over heads";
            case ALL -> "mean over all layers and heads";
        };
        double[] weights = null;
        String text;
        if (t < 0) {
            text = "Click a token to colour the prompt by its attention. Bars: kept by A (blue) and B (orange), " + where + ".";
        } else if (att == null || att.token() != t) {
            text = "Recording the attention of token " + t + " '" + tokens.get(t) + "'…";
        } else {
            boolean pays = direction.getValue() == Direction.PAYS;
            weights = att.weights(pays, s == HeadScope.ALL ? -1 : layer, s == HeadScope.HEAD ? head : -1);
            text = String.format("Token %d '%s': %s, %s. Bars: kept by A (blue) and B (orange).", t,
                    TokenFlowViewText.of(tokens.get(t)), direction.getValue(), where);
        }
        caption.setText(text);
        flow.setData(new TokenWeights(tokens, weights, t >= 0 && t < tokens.size() ? t : -1, keptA, keptB, text));
    }

    /** Share of the (layer, kv-head) pairs in scope that keep each prompt position, or null without an analysis. */
    private double[] keptShare(PolicyViewModel p, int layer, int kvHead, HeadScope s) {
        var a = p.analysis();
        if (a == null) {
            return null;
        }
        KeptPositions kept = a.kept();
        int n = tokens.size();
        double[] out = new double[n];
        int pairs = 0;
        for (int l = 0; l < kept.layers(); l++) {
            for (int h = 0; h < kept.kvHeads(); h++) {
                if (!s.covers(l, h, layer, kvHead)) {
                    continue;
                }
                for (int pos : kept.of(l, h)) {
                    if (pos < n) {
                        out[pos]++;
                    }
                }
                pairs++;
            }
        }
        for (int i = 0; i < n; i++) {
            out[i] /= Math.max(1, pairs);
        }
        return out;
    }

    /** Token text with line breaks made visible. */
    private static final class TokenFlowViewText {
        static String of(String s) {
            return s.replace("\n", "↵");
        }
    }
}
