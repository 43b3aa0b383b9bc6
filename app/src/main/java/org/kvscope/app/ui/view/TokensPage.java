package org.kvscope.app.ui.view;

import javafx.beans.property.BooleanProperty;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.vm.WorkbenchViewModel;

/** The "Tokens & evictions" tab: the token-centred attention view above the decode-time eviction timeline. */
public final class TokensPage extends ScrollPane {
    private final TokenFocusPane focus;
    private final EvictionTimelinePane timeline;
    private final BooleanProperty active = new javafx.beans.property.SimpleBooleanProperty(true);

    public TokensPage(WorkbenchViewModel vm, HeadSelection selection) {
        focus = new TokenFocusPane(vm, selection);
        timeline = new EvictionTimelinePane(vm, selection);
        VBox box = new VBox(12,
                new Card("Token-centred attention — click a token", focus, () -> focus.flow().dataProperty().get()),
                new Card("Decode-time eviction timeline (generated tokens × positions)", timeline,
                        () -> timeline.view().gridProperty().get()));
        box.getStyleClass().add("page");
        setContent(box);
        setFitToWidth(true);
        focus.activeProperty().bind(active);
        timeline.activeProperty().bind(active);
    }

    public TokenFocusPane focus() { return focus; }

    public EvictionTimelinePane timeline() { return timeline; }

    /** Whether the tab is on screen: the views redraw, and the timeline records, only then. */
    public BooleanProperty activeProperty() { return active; }
}
