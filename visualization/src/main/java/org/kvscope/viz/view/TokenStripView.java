package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.Text;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.TokenRange;
import org.kvscope.viz.data.TokenStrip;

/**
 * A wrapping flow of token chips (piece text over token id), optionally tinted by per-token NLL on a fixed scale so
 * that streaming appends never recolour earlier chips. The flow is virtualised: tokens are broken into rows by their
 * measured widths, and only the rows in view have chip nodes (a {@link ListView} of rows), so replacing thousands of
 * tokens costs about the same as a few dozen. {@link #append} extends the last row (O(1)) and can keep the newest
 * token in view; a position range can be highlighted. Clicking a chip selects that single position, also while
 * appends rebuild its row.
 * Use on the JavaFX application thread.
 */
public class TokenStripView extends BorderPane {
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");
    private static final double GAP = 3;
    /** Room kept free for the vertical scroll bar and the list's own insets. */
    private static final double RESERVED = 22;

    private final ListView<Row> rows = new ListView<>();
    private final List<String> pieces = new ArrayList<>();
    private final List<Integer> ids = new ArrayList<>();
    private final List<Double> nlls = new ArrayList<>();
    private final List<Double> widths = new ArrayList<>();
    private final Map<Integer, VBox> live = new HashMap<>();
    private final Map<String, Double> widthCache = new HashMap<>();
    private final Text measure = new Text();
    private final VBox probe = newChip("Mg", "0");
    private Font pieceFont;
    private Font idFont;
    private double chipInsets = 10;
    private double wrapWidth = -1;
    private boolean styled;
    /** The row to scroll to at the next layout, once the list has taken in its rows; -1 for none. */
    private int rowPending = -1;
    private final ReadOnlyObjectWrapper<TokenRange> selection = new ReadOnlyObjectWrapper<>(this, "selection");
    private final DoubleProperty nllScaleMax = new SimpleDoubleProperty(this, "nllScaleMax", 8.0);
    private final BooleanProperty followTail = new SimpleBooleanProperty(this, "followTail", true);

    /** The tokens {@code [from, to)} shown on one line. */
    private record Row(int from, int to) {}

    /** Empty strip. */
    public TokenStripView() {
        VizStyle.apply(this, "viz-view", "token-strip-view");
        rows.getStyleClass().add("token-strip");
        rows.setFocusTraversable(false);
        rows.setCellFactory(l -> new RowCell());
        probe.setManaged(false);
        probe.setVisible(false);
        // the probe is styled like every chip, so measuring with its fonts follows the stylesheet
        HBox probeRow = new HBox(probe);
        probeRow.getStyleClass().add("token-strip");
        probeRow.setManaged(false);
        probeRow.setVisible(false);
        getChildren().add(probeRow);
        setCenter(rows);
        selection.addListener((obs, o, n) -> {
            mark(o, false);
            mark(n, true);
        });
        nllScaleMax.addListener((obs, o, n) -> retint());
        VizTheme.redrawOnChange(this, this::retint);
        setPrefSize(520, 160);
    }

    /** Replaces all tokens (null clears) and clears the selection; keeps the top row's first position in view. */
    public void setStrip(TokenStrip strip) {
        selection.set(null);
        live.clear(); // the shown chips belong to the old tokens until the rows are rebuilt at the next layout
        pieces.clear();
        ids.clear();
        nlls.clear();
        widths.clear();
        if (strip != null) {
            for (int i = 0; i < strip.size(); i++) {
                pieces.add(strip.pieces().get(i));
                ids.add(strip.ids()[i]);
                nlls.add(strip.nll() == null ? Double.NaN : strip.nll()[i]);
                widths.add(Double.NaN);
            }
        }
        wrapWidth = -1;
        rewrap(firstShownToken());
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
        widths.add(Double.NaN);
        var items = rows.getItems();
        if (wrapWidth <= 0 || items.isEmpty()) {
            rewrap(0);
            return;
        }
        Row last = items.getLast();
        double used = 0;
        for (int i = last.from(); i < last.to(); i++) {
            used += width(i) + GAP;
        }
        if (used + width(position) <= wrapWidth) {
            items.set(items.size() - 1, new Row(last.from(), position + 1));
        } else {
            items.add(new Row(position, position + 1));
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

    /** Number of chip nodes that exist now (only the rows in view have them). */
    public int liveChips() {
        return live.size();
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

    /** The chip node at a position, scrolling its row into view first (only rows in view have chips). */
    public Node chip(int position) {
        if (position < 0 || position >= pieces.size()) {
            throw new IndexOutOfBoundsException("position " + position + " outside 0.." + (pieces.size() - 1));
        }
        if (!live.containsKey(position)) {
            int row = rowOf(position);
            rows.scrollTo(row);
            rows.layout();
        }
        VBox chip = live.get(position);
        if (chip == null) {
            throw new IllegalStateException("position " + position + " has no chip in view");
        }
        return chip;
    }

    /** Whether the chip at a position is in view now. */
    public boolean isShown(int position) {
        VBox chip = live.get(position);
        return chip != null && chip.getScene() != null && rows.localToScene(rows.getLayoutBounds())
                .intersects(chip.localToScene(chip.getLayoutBounds()));
    }

    /** Colour a chip gets for an NLL under the current scale (the theme's empty-cell colour for NaN). */
    public Color tintFor(double nll) {
        if (Double.isNaN(nll)) {
            return VizTheme.palette().empty();
        }
        return ColorScales.HEAT.colorAt(ColorScales.normalize(nll, 0, nllScaleMax.get(), ColorScales.Mapping.LINEAR));
    }

    private int rowOf(int position) {
        var items = rows.getItems();
        int lo = 0;
        int hi = items.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (items.get(mid).from() <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Breaks the tokens into rows for the list's width, keeping the tail in view when following it, else the row of
     * token {@code keep}. The list is first scrolled to its top: a list left scrolled past the end of fewer rows lays
     * out empty cells below the last one, and with more rows than its viewport has pixels (about 1,000 tokens in the
     * prompt pane) JavaFX's VirtualFlow takes that for a sizing error and logs "index exceeds maxCellCount".
     */
    private void rewrap(int keep) {
        double available = listWidth() - RESERVED;
        if (available <= 0) {
            available = getPrefWidth() - RESERVED;
        }
        fontsReady();
        wrapWidth = available;
        List<Row> out = new ArrayList<>();
        int from = 0;
        double used = 0;
        for (int i = 0; i < pieces.size(); i++) {
            double w = width(i);
            if (i > from && used + w > available) {
                out.add(new Row(from, i));
                from = i;
                used = 0;
            }
            used += w + GAP;
        }
        if (from < pieces.size()) {
            out.add(new Row(from, pieces.size()));
        }
        if (!rows.getItems().isEmpty()) {
            rows.scrollTo(0);
        }
        rows.getItems().setAll(out);
        if (followTail.get()) {
            scrollToTail();
        } else if (keep > 0 && keep < pieces.size()) {
            scrollToRow(rowOf(keep));
        }
    }

    /** The width the list gets: the view's, less its insets. */
    private double listWidth() {
        return getWidth() - snappedLeftInset() - snappedRightInset();
    }

    /** The first token of the topmost row in view, or 0. */
    private int firstShownToken() {
        return rows.lookup(".virtual-flow") instanceof javafx.scene.control.skin.VirtualFlow<?> flow
                && flow.getFirstVisibleCell() instanceof RowCell cell && cell.shown != null ? cell.shown.from() : 0;
    }

    /** Reads the chip fonts and insets from the styled probe (once the view is in a scene). */
    private void fontsReady() {
        if (probe.getScene() == null) {
            return;
        }
        probe.applyCss();
        Font piece = ((Text) probe.getChildren().get(0)).getFont();
        Font id = ((Text) probe.getChildren().get(1)).getFont();
        if (!piece.equals(pieceFont) || !id.equals(idFont)) {
            pieceFont = piece;
            idFont = id;
            widthCache.clear();
            java.util.Collections.fill(widths, Double.NaN);
        }
        Insets in = probe.getInsets();
        chipInsets = in.getLeft() + in.getRight() + 2;
        rows.setFixedCellSize(Math.ceil(probe.prefHeight(-1) + GAP + 2));
    }

    /** Whether the stylesheet gave the chips other fonts than the widths were measured with. */
    private boolean fontChanged() {
        return pieceFont != null && (!((Text) probe.getChildren().get(0)).getFont().equals(pieceFont)
                || !((Text) probe.getChildren().get(1)).getFont().equals(idFont));
    }

    private double width(int position) {
        Double w = widths.get(position);
        if (w.isNaN()) {
            String piece = visible(pieces.get(position));
            String id = Integer.toString(ids.get(position));
            w = Math.max(textWidth(piece, pieceFont), textWidth(id, idFont)) + chipInsets;
            widths.set(position, w);
        }
        return w;
    }

    private double textWidth(String text, Font font) {
        String key = (font == pieceFont ? "p" : "i") + text;
        Double w = widthCache.get(key);
        if (w == null) {
            measure.setFont(font == null ? Font.getDefault() : font);
            measure.setText(text);
            w = Math.ceil(measure.getLayoutBounds().getWidth());
            widthCache.put(key, w);
        }
        return w;
    }

    private static VBox newChip(String piece, String id) {
        Text text = new Text(piece);
        text.getStyleClass().add("token-piece");
        Text idText = new Text(id);
        idText.getStyleClass().add("token-id");
        VBox chip = new VBox(text, idText);
        chip.getStyleClass().add("token-chip");
        chip.setMinWidth(VBox.USE_PREF_SIZE);
        return chip;
    }

    private VBox chipAt(int position) {
        VBox chip = newChip(visible(pieces.get(position)), Integer.toString(ids.get(position)));
        tint(chip, nlls.get(position));
        TokenRange sel = selection.get();
        chip.pseudoClassStateChanged(SELECTED, sel != null && sel.contains(position));
        return chip;
    }

    private void retint() {
        live.forEach((position, chip) -> tint(chip, nlls.get(position)));
    }

    private void tint(VBox chip, double nll) {
        Color c = tintFor(nll);
        VizTheme.Palette on = c.getBrightness() < 0.55 ? VizTheme.DARK : VizTheme.LIGHT;
        chip.setStyle(Double.isNaN(nll) ? null : "-fx-background-color: " + ColorScales.css(c) + ";");
        ((Text) chip.getChildren().getFirst()).setFill(on.text());
        ((Text) chip.getChildren().get(1)).setFill(on.muted());
        chip.setAccessibleText(Double.isNaN(nll) ? null : String.format(Locale.ROOT, "NLL %.2f", nll));
    }

    private void mark(TokenRange range, boolean on) {
        if (range == null) {
            return;
        }
        live.forEach((position, chip) -> {
            if (range.contains(position)) {
                chip.pseudoClassStateChanged(SELECTED, on);
            }
        });
    }

    /** Scrolls to the last row once the list has taken in its new rows (at the next layout). */
    private void scrollToTail() {
        if (followTail.get() && !rows.getItems().isEmpty()) {
            scrollToRow(rows.getItems().size() - 1);
        }
    }

    private void scrollToRow(int row) {
        rowPending = row;
        requestLayout();
    }

    /**
     * Rewraps for a new width or chip font (presentation mode) before the list is laid out with it, never while the
     * list lays itself out.
     */
    @Override
    protected void layoutChildren() {
        if (!styled && getScene() != null) {
            styled = true;
            rewrap(0);
        } else if (wrapWidth > 0 && listWidth() > RESERVED && (listWidth() - RESERVED != wrapWidth || fontChanged())) {
            rewrap(firstShownToken());
        }
        super.layoutChildren();
        int row = Math.min(rowPending, rows.getItems().size() - 1);
        rowPending = -1;
        if (row >= 0) {
            rows.layout(); // takes in the new rows first, or the scroll would stop at the old end
            rows.scrollTo(row);
            rows.layout();
        }
    }

    /** One line of chips; registers its chips as live while it shows them. */
    private final class RowCell extends ListCell<Row> {
        private final HBox box = new HBox(GAP);
        private Row shown;

        RowCell() {
            setStyle("-fx-padding: 1 0 2 0; -fx-background-color: transparent;");
            box.getStyleClass().add("token-row");
            // the cell, not the chip, takes the click: an append that rebuilds this row between press and
            // release replaces the chips, and the click then reaches only their common parent
            setOnMouseClicked(e -> {
                int position = chipUnder(e.getSceneX(), e.getSceneY());
                if (position >= 0) {
                    select(position, position + 1);
                }
            });
        }

        /** The position of the chip under a scene point, or -1. */
        private int chipUnder(double sceneX, double sceneY) {
            if (shown == null) {
                return -1;
            }
            Point2D p = box.sceneToLocal(sceneX, sceneY);
            var chips = box.getChildren();
            for (int i = 0; i < chips.size(); i++) {
                if (chips.get(i).getBoundsInParent().contains(p)) {
                    return shown.from() + i;
                }
            }
            return -1;
        }

        @Override
        protected void updateItem(Row row, boolean empty) {
            super.updateItem(row, empty);
            if (shown != null) {
                for (int i = shown.from(); i < shown.to(); i++) {
                    Node n = i - shown.from() < box.getChildren().size() ? box.getChildren().get(i - shown.from()) : null;
                    live.remove(i, n);
                }
            }
            shown = empty ? null : row;
            if (row == null || empty) {
                box.getChildren().clear();
                setGraphic(null);
                return;
            }
            List<Node> chips = new ArrayList<>(row.to() - row.from());
            for (int i = row.from(); i < row.to() && i < pieces.size(); i++) {
                VBox chip = chipAt(i);
                live.put(i, chip);
                chips.add(chip);
            }
            box.getChildren().setAll(chips);
            setGraphic(box);
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
