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

    private UndoKeys() {}

    /** Adds the shortcuts to a scene once (text fields keep their own undo while focused). */
    public static void install(Scene scene, ParameterHistory history) {
        if (scene == null || scene.getAccelerators().containsKey(UNDO)) {
            return;
        }
        scene.getAccelerators().put(UNDO, history::undo);
        scene.getAccelerators().put(REDO, history::redo);
        scene.getAccelerators().put(REDO_Y, history::redo);
    }
}
