package org.kvscope.app.ui.view;

import javafx.scene.control.Alert;
import javafx.stage.Window;

/** Modal messages. */
public final class Dialogs {
    private Dialogs() {}

    /** Shows an error dialog without waiting; the user's work stays as it is. */
    public static Alert error(Window owner, String title, String message) {
        Alert a = alert(Alert.AlertType.ERROR, owner, title);
        a.setHeaderText(title);
        a.setContentText(message);
        a.getDialogPane().getStyleClass().add("problem-dialog");
        a.show();
        return a;
    }

    /** An information dialog titled "kvscope — title", not yet shown. */
    static Alert info(Window owner, String title) {
        Alert a = alert(Alert.AlertType.INFORMATION, owner, title);
        a.setGraphic(null);
        return a;
    }

    /** The dialog takes the owner's stylesheets, theme and font size. */
    private static void followLooks(Alert a, Window owner) {
        if (owner.getScene() == null) {
            return;
        }
        var pane = a.getDialogPane();
        var root = owner.getScene().getRoot();
        pane.getStylesheets().addAll(owner.getScene().getStylesheets());
        Looks.copy(root, pane);
    }

    private static Alert alert(Alert.AlertType type, Window owner, String title) {
        Alert a = new Alert(type);
        if (owner != null) {
            a.initOwner(owner);
            followLooks(a, owner);
        }
        a.setTitle("kvscope — " + title);
        return a;
    }
}
