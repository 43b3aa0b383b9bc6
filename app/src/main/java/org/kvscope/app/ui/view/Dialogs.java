package org.kvscope.app.ui.view;

import javafx.scene.control.Alert;
import javafx.stage.Window;

/** Modal messages. */
public final class Dialogs {
    private Dialogs() {}

    /** Shows an error dialog without waiting; the user's work stays as it is. */
    public static Alert error(Window owner, String title, String message) {
        Alert a = new Alert(Alert.AlertType.ERROR);
        if (owner != null) {
            a.initOwner(owner);
        }
        a.setTitle("kvscope — " + title);
        a.setHeaderText(title);
        a.setContentText(message);
        a.getDialogPane().getStyleClass().add("problem-dialog");
        a.show();
        return a;
    }
}
