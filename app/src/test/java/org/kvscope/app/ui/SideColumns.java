package org.kvscope.app.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javafx.geometry.Bounds;
import javafx.geometry.Orientation;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Control;
import javafx.scene.control.ScrollBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import org.kvscope.app.ui.view.MainWindow;

/**
 * What is wrong with the workbench's side columns as laid out now: a panel that scrolls sideways (its content
 * wider than the column) or a tab header of the side column that is not wholly in sight; and the widths of the
 * column and its controls, to compare with a freshly opened window's.
 */
final class SideColumns {
    private SideColumns() {
    }

    /** One line per problem in the shown side panels of {@code window} (call on the FX thread, after layout). */
    static List<String> problems(MainWindow window) {
        List<String> out = new ArrayList<>();
        TabPane tabs = window.policyTabs();
        if (tabs.getScene() != null) {
            Bounds pane = tabs.localToScene(tabs.getLayoutBounds());
            for (Node header : tabs.lookupAll(".tab")) {
                Bounds b = header.localToScene(header.getLayoutBounds());
                if (header.getParent() != null && header.getParent().getStyleClass().contains("headers-region")
                        && (b.getMinX() < pane.getMinX() - 0.5 || b.getMaxX() > pane.getMaxX() + 0.5)) {
                    out.add("tab header " + header.getId() + " is not wholly in sight: " + span(b) + " in a column "
                            + span(pane));
                }
            }
            for (Node button : tabs.lookupAll(".control-buttons-tab")) {
                if (button.isVisible()) {
                    out.add("the side column's tab headers do not fit: the overflow menu shows");
                }
            }
        }
        List<Node> panels = new ArrayList<>();
        if (tabs.getScene() != null && tabs.getSelectionModel().getSelectedItem() != null) {
            panels.add(tabs.getSelectionModel().getSelectedItem().getContent());
        }
        Node left = window.lookup("#left-panel");
        if (left != null && left.getScene() != null && !inside(left, tabs)) { // the wide window's own left column
            panels.add(left);
        }
        for (Node n : panels) {
            if (n instanceof ScrollPane s && s.getScene() != null && scrollsSideways(s)) {
                out.add((s.getId() == null ? "a side panel" : s.getId()) + " scrolls sideways: it is "
                        + Math.round(s.getWidth()) + " px wide, its content needs "
                        + Math.round(s.getContent().prefWidth(-1)) + " (least " + Math.round(s.getContent().minWidth(-1))
                        + ") " + widest(s.getContent()));
            }
        }
        return out;
    }

    /**
     * The width of the side column, of the views and of every shown control in the side column's selected tab, by
     * its path from {@code window} (call on the FX thread, after layout): two windows built alike give equal keys.
     */
    static Map<String, Double> widths(MainWindow window) {
        Map<String, Double> out = new TreeMap<>();
        out.put("side column", window.policyTabs().getWidth());
        out.put("views", window.views().getWidth());
        Tab tab = window.policyTabs().getSelectionModel().getSelectedItem();
        if (tab != null && tab.getContent() != null) {
            controls(tab.getContent(), tab.getText(), out);
        }
        return out;
    }

    private static void controls(Node n, String path, Map<String, Double> out) {
        if (!n.isVisible()) {
            return;
        }
        if (n instanceof Control c && !(n instanceof ScrollBar)) {
            out.put(path, c.getWidth());
        }
        if (n instanceof Parent p) {
            List<Node> children = p.getChildrenUnmodifiable();
            for (int i = 0; i < children.size(); i++) {
                Node c = children.get(i);
                controls(c, path + " > " + c.getClass().getSimpleName() + (c.getId() == null ? "[" + i + "]" : "#" + c.getId()),
                        out);
            }
        }
    }

    /** One line per key of {@code fresh} whose width in {@code now} differs by more than {@code tolerance} px. */
    static List<String> differences(Map<String, Double> fresh, Map<String, Double> now, double tolerance) {
        List<String> out = new ArrayList<>();
        for (var e : fresh.entrySet()) {
            Double w = now.get(e.getKey());
            if (w == null) {
                out.add(e.getKey() + ": not shown (" + Math.round(e.getValue()) + " px in a fresh window)");
            } else if (Math.abs(w - e.getValue()) > tolerance) {
                out.add(e.getKey() + ": " + Math.round(w) + " px, " + Math.round(e.getValue()) + " in a fresh window");
            }
        }
        now.keySet().stream().filter(k -> !fresh.containsKey(k)).forEach(k -> out.add(k + ": not in a fresh window"));
        return out;
    }

    /** The chain of nodes that set the content's least width (diagnostic). */
    static String widest(Node n) {
        StringBuilder sb = new StringBuilder();
        while (n instanceof Parent p) {
            sb.append(" > ").append(p.getClass().getSimpleName()).append(p.getId() == null ? "" : "#" + p.getId())
                    .append(" min ").append(Math.round(p.minWidth(-1))).append(" pref ").append(Math.round(p.prefWidth(-1)));
            Node next = null;
            for (Node c : p.getChildrenUnmodifiable()) {
                if (c.isManaged() && (next == null || c.minWidth(-1) > next.minWidth(-1))) {
                    next = c;
                }
            }
            n = next;
        }
        return sb.toString();
    }

    private static boolean inside(Node n, Node ancestor) {
        for (Node p = n.getParent(); p != null; p = p.getParent()) {
            if (p == ancestor) {
                return true;
            }
        }
        return false;
    }

    private static boolean scrollsSideways(ScrollPane s) {
        for (Node c : s.getChildrenUnmodifiable()) {
            if (c instanceof ScrollBar bar && bar.getOrientation() == Orientation.HORIZONTAL && bar.isVisible()) {
                return true;
            }
        }
        return false;
    }

    private static String span(Bounds b) {
        return Math.round(b.getMinX()) + ".." + Math.round(b.getMaxX());
    }
}
