package org.kvscope.app.ui.view;

import javafx.beans.InvalidationListener;
import javafx.collections.ListChangeListener;
import javafx.scene.Node;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;

/**
 * Lays out only the selected tab's content. A tab pane sizes every tab's content on each resize, so
 * without this a window resize or a side panel shown or hidden re-lays out every page, charts and
 * their tick labels included, though only one is in sight. The other tabs' contents are left
 * unmanaged at their last size and are laid out when their tab is selected.
 */
final class SelectedTabLayout {
    private SelectedTabLayout() {
    }

    /** Keeps the contents of {@code tabs}' unselected tabs out of its layout from now on. */
    static void install(TabPane tabs) {
        InvalidationListener update = o -> update(tabs);
        tabs.getSelectionModel().selectedItemProperty().addListener(update);
        tabs.getTabs().addListener((ListChangeListener<Tab>) c -> {
            while (c.next()) {
                c.getAddedSubList().forEach(t -> t.contentProperty().addListener(update));
                c.getRemoved().forEach(t -> t.contentProperty().removeListener(update));
            }
            update(tabs);
        });
        tabs.getTabs().forEach(t -> t.contentProperty().addListener(update));
        update(tabs);
    }

    private static void update(TabPane tabs) {
        Tab selected = tabs.getSelectionModel().getSelectedItem();
        for (Tab t : tabs.getTabs()) {
            Node content = t.getContent();
            if (content != null) {
                content.setManaged(t == selected);
            }
        }
    }
}
