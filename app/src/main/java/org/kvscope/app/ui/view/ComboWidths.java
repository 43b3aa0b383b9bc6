package org.kvscope.app.ui.view;

import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.ComboBox;
import javafx.scene.control.skin.ComboBoxListViewSkin;

/**
 * Lets combo boxes take the width their items need in a new font. A combo box's preferred width is at least its
 * current width (its popup list measures {@code max(width, widest item + 30)}), so a box laid out in presentation
 * mode's font kept that width in the normal font ever after, and a wrapping bar holding it (whose least width is its
 * widest child's preferred width) kept the side column too wide for its content: it scrolled sideways.
 */
final class ComboWidths {
    private ComboWidths() {
    }

    /**
     * Gives every combo box under {@code root} no width and drops its cached preferred width, so the next layout
     * (after the styles of the new font are applied, in the same pulse) sizes each from its items alone.
     */
    static void release(Parent root) {
        for (Node n : root.lookupAll(".combo-box")) {
            if (n instanceof ComboBox<?> box) {
                box.resize(0, box.getHeight());
                if (box.getSkin() instanceof ComboBoxListViewSkin<?> skin && skin.getPopupContent() instanceof Parent list) {
                    list.requestLayout();
                }
                box.requestLayout();
            }
        }
    }
}
