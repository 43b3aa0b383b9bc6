package org.kvscope.viz.view;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.scene.Node;
import javafx.scene.Parent;

/** A view that computes its pixels off the FX thread and says when the ones on screen are current. */
public interface BackgroundRendering {
    /** False from a change until the view has drawn what it computed for it in the background. */
    ReadOnlyBooleanProperty renderedProperty();

    /**
     * Whether every visible {@link BackgroundRendering} node in {@code root}'s tree (root included) has drawn its
     * current state; hidden ones (an unselected tab's) are not waited for. Call on the FX thread.
     */
    static boolean allRendered(Node root) {
        if (!root.isVisible()) {
            return true;
        }
        if (root instanceof BackgroundRendering r && !r.renderedProperty().get()) {
            return false;
        }
        if (root instanceof Parent p) {
            for (Node child : p.getChildrenUnmodifiable()) {
                if (!allRendered(child)) {
                    return false;
                }
            }
        }
        return true;
    }
}
