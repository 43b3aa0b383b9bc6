package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.scene.Node;
import javafx.scene.shape.Rectangle;
import org.junit.jupiter.api.Test;

/** The split's items change by what comes and goes; the views (the anchor) never leave the scene. */
class SplitItemsTest {
    private final Node left = new Rectangle(), views = new Rectangle(), policies = new Rectangle();
    private final ObservableList<Node> items = FXCollections.observableArrayList();
    private final List<Node> removed = new ArrayList<>();

    SplitItemsTest() {
        items.addListener((ListChangeListener<Node>) c -> {
            while (c.next()) {
                removed.addAll(c.getRemoved());
            }
        });
    }

    private void arrange(Node... wanted) {
        SplitItems.arrange(items, List.of(wanted), views);
        assertEquals(List.of(wanted), items);
    }

    @Test
    void everyChangeOfTheColumnsKeepsTheViews() {
        arrange(left, views, policies);
        arrange(views, policies);                // left hidden
        arrange(views);                          // right hidden too
        arrange(left, views);
        arrange(policies, views);                // narrow: the policy column moves to the left
        arrange(left, views, policies);          // wide again
        arrange(views);
        arrange(policies, views);
        assertFalse(removed.contains(views), "the views were taken out of the split");
    }

    @Test
    void onlyTheItemThatGoesIsRemoved() {
        arrange(left, views, policies);
        removed.clear();
        arrange(left, views);
        assertEquals(List.of(policies), removed);
        removed.clear();
        arrange(left, views, policies);
        assertEquals(List.of(), removed, "showing a panel removes nothing");
    }
}
