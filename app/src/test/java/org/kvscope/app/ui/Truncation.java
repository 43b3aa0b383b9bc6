package org.kvscope.app.ui;

import java.util.ArrayList;
import java.util.List;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.ContentDisplay;
import javafx.scene.control.Label;
import javafx.scene.control.Labeled;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.layout.FlowPane;
import javafx.scene.text.Text;

/**
 * Finds labelled controls whose text is not shown in full: cut with an ellipsis (the displayed
 * text differs from the control's text) or pushed outside an ancestor that does not scroll; and
 * text fields (spinner and combo box editors included) too narrow for the text they hold; and, in a wrapping bar
 * (FlowPane), a label left at the end of a row while the control it names wrapped to the next.
 */
final class Truncation {
    private Truncation() {}

    /** One line per visible labelled control under {@code root} that is truncated or clipped. */
    static List<String> find(Parent root) {
        List<String> out = new ArrayList<>();
        walk(root, out);
        return out;
    }

    private static void walk(Node n, List<String> out) {
        if (!n.isVisible()) {
            return;
        }
        if (n instanceof Labeled l && l.getText() != null && !l.getText().isBlank()
                && l.getContentDisplay() != ContentDisplay.GRAPHIC_ONLY) {
            String expected = l.isMnemonicParsing() ? withoutMnemonic(l.getText()) : l.getText();
            String shown = shownText(l);
            if (shown != null && !shown.equals(expected)) {
                out.add(describe(l) + " shows '" + shown + "'");
            } else if (clipped(l)) {
                out.add(describe(l) + " is cut off by " + describe(clipper(l)));
            }
        }
        if (n instanceof TextField f && f.getText() != null && !f.getText().isEmpty() && f.getWidth() > 0) {
            Text probe = new Text(f.getText());
            probe.setFont(f.getFont());
            double needs = probe.getLayoutBounds().getWidth();
            double room = f.getWidth() - f.snappedLeftInset() - f.snappedRightInset();
            if (needs > room + 0.5) {
                out.add(describe(f.getParent() instanceof Spinner<?> s ? s : f) + " shows only part of '" + f.getText()
                        + "' (" + Math.round(room) + " of " + Math.round(needs) + " px)");
            }
        }
        if (n instanceof FlowPane bar) {
            danglingLabels(bar, out);
        }
        if (n instanceof Parent p) {
            for (Node c : p.getChildrenUnmodifiable()) {
                walk(c, out);
            }
        }
    }

    /** Labels sharing a row with what precedes them while the control after them starts the next row. */
    private static void danglingLabels(FlowPane bar, List<String> out) {
        List<Node> shown = bar.getChildren().stream().filter(c -> c.isVisible() && c.isManaged()).toList();
        for (int i = 1; i + 1 < shown.size(); i++) {
            Node label = shown.get(i);
            Node control = shown.get(i + 1);
            if (label.getClass() == Label.class && !(control instanceof Label) && sameRow(shown.get(i - 1), label)
                    && !sameRow(label, control)) {
                out.add(describe(label) + " ends a row; the control it names wrapped to the next");
            }
        }
    }

    private static boolean sameRow(Node a, Node b) {
        Bounds x = a.getBoundsInParent();
        Bounds y = b.getBoundsInParent();
        return x.getMinY() < y.getMaxY() && y.getMinY() < x.getMaxY();
    }

    private static String shownText(Labeled l) {
        for (Node c : l.getChildrenUnmodifiable()) {
            if (c instanceof Text t && c.getClass().getSimpleName().equals("LabeledText")) {
                return t.getText();
            }
        }
        return null;
    }

    static String withoutMnemonic(String s) {
        int i = s.indexOf('_');
        return i < 0 || i == s.length() - 1 ? s : s.substring(0, i) + s.substring(i + 1);
    }

    private static boolean clipped(Node n) {
        return clipper(n) != null;
    }

    /** The first ancestor (below any scrolling one) whose bounds do not hold the node, or null. */
    private static Node clipper(Node n) {
        Bounds b = n.localToScene(n.getLayoutBounds());
        for (Parent p = n.getParent(); p != null; p = p.getParent()) {
            if (p instanceof ScrollPane || p.getClass().getName().startsWith(ScrollPane.class.getPackageName()
                    + ".skin.ScrollPaneSkin") || p.getStyleClass().contains("clipped-container")
                    || p.getClass().getSimpleName().equals("VirtualFlow")
                    || p.getClass().getSimpleName().equals("TableHeaderRow")) { // scrolls with its table
                return null;
            }
            Bounds pb = p.localToScene(p.getLayoutBounds());
            if (b.getMinX() < pb.getMinX() - 1 || b.getMaxX() > pb.getMaxX() + 1
                    || b.getMinY() < pb.getMinY() - 1 || b.getMaxY() > pb.getMaxY() + 1) {
                return p;
            }
        }
        return null;
    }

    private static String describe(Node n) {
        String what = (n.getClass().getSimpleName().isEmpty() ? n.getClass().getName() : n.getClass().getSimpleName())
                + (n.getId() == null ? "" : "#" + n.getId()) + n.getStyleClass();
        return n instanceof Labeled l ? what + " '" + l.getText() + "'" : what;
    }
}
