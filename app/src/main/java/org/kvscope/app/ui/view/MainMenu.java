package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.Alert;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.cell.PropertyValueFactory;
import javafx.scene.input.KeyCombination;
import javafx.stage.Window;

/**
 * The workbench menu bar. Every keyboard shortcut is an accelerator of one of its items (or, for a
 * second key of the same action, listed in {@link UndoKeys#ALTERNATIVES}), so the shortcut list in
 * Help is read from the menus themselves and cannot drift from what the keys do.
 */
public final class MainMenu {
    /** One row of the shortcut list. */
    public record Shortcut(String keys, String action) {
        public String getKeys() { return keys; }
        public String getAction() { return action; }
    }

    /** The key JavaFX's menu bar itself answers to: it moves the focus into the menus. */
    static final KeyCombination MENU_BAR_KEY = new javafx.scene.input.KeyCodeCombination(javafx.scene.input.KeyCode.F10);
    private final MenuBar bar = new MenuBar();

    MainMenu(MainWindow w) {
        bar.setId("menu-bar");
        Menu file = menu("_File",
                item("Open _model…", "Shortcut+O", w::openModel),
                item("_Open session…", "Shortcut+Shift+O", w::openSession),
                item("_Save session…", "Shortcut+S", w::saveSession),
                new SeparatorMenuItem(),
                item("Load policy _plugins…", (KeyCombination) null, w::loadPlugins),
                new SeparatorMenuItem(),
                item("_Quit", "Shortcut+Q", w::quit));
        Menu edit = menu("_Edit",
                item("_Undo parameter change", UndoKeys.UNDO, w::undo),
                item("_Redo parameter change", UndoKeys.REDO, w::redo));
        Menu run = menu("_Prompt",
                item("_Run prompt", "Shortcut+Enter", w::run),
                item("_Generate", "Shortcut+G", w::generate),
                item("_Stop (cancel the task in progress)", "Esc", w::stop));
        Menu view = menu("_View",
                item("Policy _A", "Shortcut+1", () -> w.showPolicy(0)),
                item("Policy _B", "Shortcut+2", () -> w.showPolicy(1)),
                new SeparatorMenuItem(),
                item("Previous _layer", "Alt+Up", () -> w.stepLayer(-1)),
                item("_Next layer", "Alt+Down", () -> w.stepLayer(1)),
                item("Previous _head", "Alt+Left", () -> w.stepHead(-1)),
                item("Next h_ead", "Alt+Right", () -> w.stepHead(1)),
                new SeparatorMenuItem(),
                check("_Model and prompt panel", "Shortcut+Shift+L", w.leftPanelProperty()),
                check("_Policy panel", "Shortcut+Shift+R", w.rightPanelProperty()),
                new SeparatorMenuItem(),
                check("_Dark theme", "Shortcut+Shift+D", w.looks().darkProperty()),
                check("P_resentation mode", "F5", w.looks().presentationProperty()));
        Menu help = menu("_Help",
                item("_Keyboard shortcuts", "F1", () -> showShortcuts(w.getScene().getWindow())),
                item("_About kvscope", (KeyCombination) null, () -> about(w.getScene().getWindow())));
        bar.getMenus().addAll(file, edit, run, view, help);
    }

    MenuBar bar() { return bar; }

    /**
     * Every key binding of the window with its action: the menus' accelerators in menu order, then
     * the second keys of an action ({@link UndoKeys#ALTERNATIVES}), which a menu item cannot hold.
     */
    List<Shortcut> shortcuts() {
        List<Shortcut> out = new ArrayList<>();
        java.util.Map<KeyCombination, String> actions = new java.util.HashMap<>();
        for (Menu m : bar.getMenus()) {
            for (MenuItem i : m.getItems()) {
                if (i.getAccelerator() != null) {
                    String action = i.getText().replace("_", "").replace("…", "");
                    actions.put(i.getAccelerator(), action);
                    out.add(new Shortcut(i.getAccelerator().getDisplayText(), action));
                }
            }
        }
        UndoKeys.ALTERNATIVES.forEach((keys, same) -> out.add(new Shortcut(keys.getDisplayText(),
                actions.getOrDefault(same, same.getDisplayText()))));
        out.add(new Shortcut(MENU_BAR_KEY.getDisplayText(), "Menu bar (then the arrow keys)"));
        return out;
    }

    private void showShortcuts(Window owner) {
        TableView<Shortcut> table = new TableView<>();
        table.setId("shortcut-table");
        TableColumn<Shortcut, String> keys = new TableColumn<>("Keys");
        keys.setCellValueFactory(new PropertyValueFactory<>("keys"));
        TableColumn<Shortcut, String> action = new TableColumn<>("Action");
        action.setCellValueFactory(new PropertyValueFactory<>("action"));
        table.getColumns().addAll(List.of(keys, action));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getItems().setAll(shortcuts());
        table.setPrefSize(420, 440);
        Alert a = Dialogs.info(owner, "Keyboard shortcuts");
        a.setHeaderText("Keyboard shortcuts (also shown next to each menu item)");
        a.getDialogPane().setContent(table);
        a.show();
    }

    private static void about(Window owner) {
        Alert a = Dialogs.info(owner, "About kvscope");
        a.setHeaderText("kvscope");
        a.setContentText("A workbench for studying LLM attention and KV-cache compression policies.\n"
                + "Every number it shows can be recomputed from the command line: see docs/CLI.md.");
        a.show();
    }

    private static Menu menu(String title, MenuItem... items) {
        Menu m = new Menu(title);
        m.getItems().addAll(items);
        return m;
    }

    private static MenuItem item(String title, String keys, Runnable action) {
        return item(title, keys == null ? null : KeyCombination.keyCombination(keys), action);
    }

    private static MenuItem item(String title, KeyCombination keys, Runnable action) {
        MenuItem i = new MenuItem(title);
        i.setOnAction(e -> action.run());
        i.setAccelerator(keys);
        return i;
    }

    private static CheckMenuItem check(String title, String keys, javafx.beans.property.BooleanProperty state) {
        CheckMenuItem i = new CheckMenuItem(title);
        i.selectedProperty().bindBidirectional(state);
        i.setAccelerator(KeyCombination.keyCombination(keys));
        return i;
    }
}
