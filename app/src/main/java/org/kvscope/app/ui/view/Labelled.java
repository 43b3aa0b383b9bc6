package org.kvscope.app.ui.view;

import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;

/** A label kept on one line with the control it names, so a wrapping bar never leaves it at the end of a row. */
final class Labelled {
    private Labelled() {}

    /** {@code text} then {@code control}, moved as one; the label is the control's accessible label. */
    static HBox of(String text, Node control) {
        Label label = new Label(text);
        label.setMinWidth(Region.USE_PREF_SIZE);
        label.setLabelFor(control);
        HBox pair = new HBox(4, label, control);
        pair.setAlignment(Pos.CENTER_LEFT);
        return pair;
    }
}
