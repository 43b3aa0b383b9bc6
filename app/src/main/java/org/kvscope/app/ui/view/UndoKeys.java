package org.kvscope.app.ui.view;

import javafx.scene.Scene;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import org.kvscope.app.ui.vm.ParameterHistory;

/** The undo/redo shortcuts of parameter changes: Ctrl+Z, Ctrl+Shift+Z and Ctrl+Y (Cmd on macOS). */
public final class UndoKeys {
    public static final KeyCombination UNDO = new KeyCodeCombination(KeyCode.Z, KeyCombination.SHORTCUT_DOWN);
    public static final KeyCombination REDO = new KeyCodeCombination(KeyCode.Z, KeyCombination.SHORTCUT_DOWN,
            KeyCombination.SHIFT_DOWN);
    public static final KeyCombination REDO_Y = new KeyCodeCombination(KeyCode.Y, KeyCombination.SHORTCUT_DOWN);

    /**
     * Second keys of a menu action (a menu item holds one accelerator): key → the menu item's key.
     * The shortcut list shows them with the menu item's action.
     */
    public static final java.util.Map<KeyCombination, KeyCombination> ALTERNATIVES = java.util.Map.of(REDO_Y, REDO);

    private UndoKeys() {}

    /**
     * Adds the shortcuts to a scene once (text fields keep their own undo while focused). In the
     * workbench window the Edit menu holds the same keys.
     */
    public static void install(Scene scene, ParameterHistory history) {
        if (scene == null || scene.getAccelerators().containsKey(UNDO)) {
            return;
        }
        scene.getAccelerators().put(UNDO, history::undo);
        scene.getAccelerators().put(REDO, history::redo);
        scene.getAccelerators().put(REDO_Y, history::redo);
    }
}
