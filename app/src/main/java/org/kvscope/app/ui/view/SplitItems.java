package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.Node;

/**
 * Changes a split pane's items to a wanted list by removing and inserting only what must move. A node
 * taken out of the scene and put back is restyled and laid out from scratch, so keeping the items that
 * stay (above all the views, with every page and chart) keeps a panel toggle within a frame or two.
 */
final class SplitItems {
    private SplitItems() {
    }

    /**
     * Makes {@code items} equal to {@code wanted}. An item that stays on the same side of {@code anchor}
     * stays in place, and {@code anchor} itself is never taken out while it is in both lists.
     */
    static void arrange(List<Node> items, List<Node> wanted, Node anchor) {
        int anchorIs = items.indexOf(anchor), anchorWanted = wanted.indexOf(anchor);
        List<Node> moving = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Node n = items.get(i);
            int at = wanted.indexOf(n);
            boolean switchesSide = anchorIs >= 0 && anchorWanted >= 0 && (i < anchorIs) != (at < anchorWanted);
            if (n != anchor && (at < 0 || switchesSide)) {
                moving.add(n);
            }
        }
        items.removeAll(moving);
        int last = -1;
        for (Node n : items) {
            int at = wanted.indexOf(n);
            if (at <= last) { // out of order even so: start over
                items.clear();
                items.addAll(wanted);
                return;
            }
            last = at;
        }
        for (int i = 0; i < wanted.size(); i++) {
            if (i >= items.size() || items.get(i) != wanted.get(i)) {
                items.add(i, wanted.get(i));
            }
        }
    }
}
