package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.css.PseudoClass;
import javafx.scene.Node;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.text.Text;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.TokenRange;
import org.kvscope.viz.data.TokenStrip;

/**
 * A wrapping flow of token chips (piece text over token id), optionally tinted by per-token NLL on a fixed scale so
 * that streaming appends never recolour earlier chips. {@link #append} adds one chip (O(1)) and can keep the newest
 * token in view; a position range can be highlighted. Clicking a chip selects that single position.
 * Use on the JavaFX application thread.
 */
public class TokenStripView extends BorderPane {
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");

    private final FlowPane flow = new FlowPane();
    private final ScrollPane scroll = new ScrollPane(flow);
    private final List<String> pieces = new ArrayList<>();
    private final List<Integer> ids = new ArrayList<>();
    private final List<Double> nlls = new ArrayList<>();
    private final ReadOnlyObjectWrapper<TokenRange> selection = new ReadOnlyObjectWrapper<>(this, "selection");
    private final DoubleProperty nllScaleMax = new SimpleDoubleProperty(this, "nllScaleMax", 8.0);
    private final BooleanProperty followTail = new SimpleBooleanProperty(this, "followTail", true);

    /** Empty strip. */
    public TokenStripView() {
        VizStyle.apply(this, "viz-view", "token-strip-view");
        flow.getStyleClass().add("token-strip");
        scroll.setFitToWidth(true);
        scroll.setStyle("-fx-background-color: transparent; -fx-background: white;");
        setCenter(scroll);
        selection.addListener((obs, o, n) -> {
            mark(o, false);
            mark(n, true);
        });
        nllScaleMax.addListener((obs, o, n) -> {
            for (int i = 0; i < pieces.size(); i++) {
                tint(flow.getChildren().get(i), nlls.get(i));
            }
        });
        flow.heightProperty().addListener((obs, o, n) -> scrollToTail());
        setPrefSize(520, 160);
    }

    /** Replaces all tokens (null clears) and clears the selection. */
    public void setStrip(TokenStrip strip) {
        selection.set(null);
        pieces.clear();
        ids.clear();
        nlls.clear();
        List<Node> chips = new ArrayList<>();
        if (strip != null) {
            for (int i = 0; i < strip.size(); i++) {
                double nll = strip.nll() == null ? Double.NaN : strip.nll()[i];
                pieces.add(strip.pieces().get(i));
                ids.add(strip.ids()[i]);
                nlls.add(nll);
                chips.add(chip(i, strip.pieces().get(i), strip.ids()[i], nll));
            }
        }
        flow.getChildren().setAll(chips);
        scrollToTail();
    }

    /**
     * Appends one token, e.g. while generating.
     *
     * @param nll NLL in nats, or NaN when unscored
     */
    public void append(String piece, int id, double nll) {
        java.util.Objects.requireNonNull(piece, "piece");
        int position = pieces.size();
        pieces.add(piece);
        ids.add(id);
        nlls.add(nll);
        Node chip = chip(position, piece, id, nll);
        flow.getChildren().add(chip);
        TokenRange sel = selection.get();
        if (sel != null && sel.contains(position)) {
            chip.pseudoClassStateChanged(SELECTED, true);
        }
        scrollToTail();
    }

    /** Current tokens as a data record. */
    public TokenStrip snapshotStrip() {
        int[] idArray = ids.stream().mapToInt(Integer::intValue).toArray();
        boolean scored = nlls.stream().anyMatch(v -> !Double.isNaN(v));
        double[] nll = scored ? nlls.stream().mapToDouble(Double::doubleValue).toArray() : null;
        return new TokenStrip(pieces, idArray, nll);
    }

    /** Number of tokens shown. */
    public int size() {
        return pieces.size();
    }

    /** Highlights positions {@code [from, to)}; the range may extend past the current end (for streaming). */
    public void select(int from, int to) {
        selection.set(new TokenRange(from, to));
    }

    /** Removes the highlight. */
    public void clearSelection() {
        selection.set(null);
    }

    /** The highlighted range, or null. */
    public ReadOnlyObjectProperty<TokenRange> selectionProperty() {
        return selection.getReadOnlyProperty();
    }

    /** NLL (nats) that gets the darkest tint (default 8); lower values scale linearly from white. */
    public DoubleProperty nllScaleMaxProperty() {
        return nllScaleMax;
    }

    /** Whether appends scroll to the newest token (default true). */
    public BooleanProperty followTailProperty() {
        return followTail;
    }

    /** The chip node at a position. */
    public Node chip(int position) {
        if (position < 0 || position >= pieces.size()) {
            throw new IndexOutOfBoundsException("position " + position + " outside 0.." + (pieces.size() - 1));
        }
        return flow.getChildren().get(position);
    }

    /** Colour a chip gets for an NLL under the current scale (white for NaN). */
    public Color tintFor(double nll) {
        if (Double.isNaN(nll)) {
            return Color.web("#f1f2f5");
        }
        return ColorScales.HEAT.colorAt(ColorScales.normalize(nll, 0, nllScaleMax.get(), ColorScales.Mapping.LINEAR));
    }

    private Node chip(int position, String piece, int id, double nll) {
        Text text = new Text(visible(piece));
        text.getStyleClass().add("token-piece");
        Text idText = new Text(Integer.toString(id));
        idText.getStyleClass().add("token-id");
        VBox chip = new VBox(text, idText);
        chip.getStyleClass().add("token-chip");
        chip.setOnMouseClicked(e -> select(position, position + 1));
        tint(chip, nll);
        return chip;
    }

    private void tint(Node chip, double nll) {
        Color c = tintFor(nll);
        boolean dark = c.getBrightness() < 0.55;
        chip.setStyle(Double.isNaN(nll) ? null : "-fx-background-color: " + ColorScales.css(c) + ";");
        ((Text) ((VBox) chip).getChildren().getFirst()).setFill(dark ? Color.WHITE : VizStyle.TEXT);
        ((Text) ((VBox) chip).getChildren().get(1)).setFill(dark ? Color.gray(0.9) : VizStyle.MUTED);
        chip.setAccessibleText(Double.isNaN(nll) ? null : String.format(Locale.ROOT, "NLL %.2f", nll));
    }

    private void mark(TokenRange range, boolean on) {
        if (range == null) {
            return;
        }
        int end = Math.min(range.to(), flow.getChildren().size());
        for (int i = range.from(); i < end; i++) {
            flow.getChildren().get(i).pseudoClassStateChanged(SELECTED, on);
        }
    }

    private void scrollToTail() {
        if (followTail.get()) {
            scroll.setVvalue(scroll.getVmax());
        }
    }

    /** Makes whitespace visible: spaces as '·', newlines as '↵', tabs as '→'. */
    static String visible(String piece) {
        if (piece.isEmpty()) {
            return "∅";
        }
        return piece.replace(' ', '·').replace("\n", "↵").replace("\t", "→").replace("\r", "");
    }
}
