package org.kvscope.app.ui.view;

import java.util.stream.Collectors;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;

/** Finds tabs by id, so callers (screenshots, tests) do not depend on the tabs' order. */
final class TabIds {
    private TabIds() {}

    /**
     * The tab of {@code pane} with id {@code id}.
     *
     * @throws IllegalArgumentException naming the valid ids when there is none
     */
    static Tab find(TabPane pane, String id) {
        return pane.getTabs().stream().filter(t -> id.equals(t.getId())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no tab '" + id + "'; valid: " + pane.getTabs().stream()
                        .map(Tab::getId).collect(Collectors.joining(", "))));
    }
}
