package org.kvscope.app.ui.view;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;

/** The (layer, head) shown in the attention views and whether weights use a log scale. */
public final class HeadSelection {
    private final IntegerProperty layer = new SimpleIntegerProperty();
    private final IntegerProperty head = new SimpleIntegerProperty();
    private final BooleanProperty log = new SimpleBooleanProperty(true);

    public IntegerProperty layerProperty() { return layer; }
    public IntegerProperty headProperty() { return head; }
    public BooleanProperty logProperty() { return log; }
}
