package org.kvscope.app.ui.view;

import java.util.List;
import javafx.scene.Node;
import javafx.scene.control.ContentDisplay;
import javafx.scene.control.Labeled;
import javafx.scene.control.ToolBar;
import javafx.scene.layout.HBox;
import javafx.scene.text.Text;

/**
 * A horizontal toolbar that keeps every item in sight: when its items would not fit its width (a small window,
 * presentation mode's larger font) it compacts them step by step before laying them out, so none goes to the
 * ToolBar's "»" overflow menu. A step's buttons show only their icons (their text stays their accessible text and
 * their mnemonic; each has a tooltip), a step's other nodes are hidden; the steps are taken in order and undone
 * when the room comes back.
 */
final class FittingToolBar extends ToolBar {
    /** Slack per item for rounding between the width measured here and the one the skin lays out. */
    private static final double SLACK = 1;
    private final List<List<Node>> steps;
    private final Text probe = new Text();
    private int compacted;

    /**
     * @param steps the nodes to compact, in the order they are compacted when the room runs short; each
     *              {@link Labeled} among them must have a graphic
     */
    FittingToolBar(List<List<Node>> steps, Node... items) {
        super(items);
        this.steps = List.copyOf(steps.stream().map(List::copyOf).toList());
    }

    /** How many steps are compacted now (0: every item as designed). */
    int compactedSteps() {
        return compacted;
    }

    @Override
    protected void layoutChildren() {
        double room = getWidth() - snappedLeftInset() - snappedRightInset();
        if (room > 0) {
            int wanted = 0;
            while (wanted < steps.size() && width(wanted) > room) {
                wanted++;
            }
            if (wanted != compacted) {
                compacted = wanted;
                for (int i = 0; i < steps.size(); i++) {
                    for (Node n : steps.get(i)) {
                        compact(n, i < wanted);
                    }
                }
            }
        }
        super.layoutChildren();
    }

    /** The width the items take with the first {@code stepsCompacted} steps compacted, as the skin adds it up. */
    private double width(int stepsCompacted) {
        double spacing = lookup(".container") instanceof HBox box ? box.getSpacing() : 0;
        double sum = 0;
        for (Node n : getItems()) {
            boolean compact = false;
            for (int i = 0; i < stepsCompacted && !compact; i++) {
                compact = steps.get(i).contains(n);
            }
            double w = compact ? compactWidth(n) : fullWidth(n);
            if (w >= 0) {
                sum += Math.ceil(w) + spacing + SLACK;
            }
        }
        return sum;
    }

    /** The node's width as designed, or -1 when it takes no room. */
    private double fullWidth(Node n) {
        if (n instanceof Labeled l && l.getContentDisplay() == ContentDisplay.GRAPHIC_ONLY) {
            return l.prefWidth(-1) + textWidth(l);
        }
        return n.prefWidth(-1);
    }

    /** The node's width compacted: a button's without its text; -1 for a hidden node. */
    private double compactWidth(Node n) {
        if (n instanceof Labeled l) {
            return l.getContentDisplay() == ContentDisplay.GRAPHIC_ONLY ? l.prefWidth(-1) : l.prefWidth(-1) - textWidth(l);
        }
        return -1;
    }

    /** The room a button's text and its gap to the icon take. */
    private double textWidth(Labeled l) {
        String text = l.getText() == null ? "" : l.isMnemonicParsing() ? l.getText().replaceFirst("_", "") : l.getText();
        probe.setFont(l.getFont());
        probe.setText(text);
        return Math.ceil(probe.getLayoutBounds().getWidth()) + l.getGraphicTextGap();
    }

    private static void compact(Node n, boolean on) {
        if (n instanceof Labeled l) {
            l.setContentDisplay(on ? ContentDisplay.GRAPHIC_ONLY : ContentDisplay.LEFT);
        } else {
            n.setVisible(!on);
            n.setManaged(!on);
        }
    }
}
