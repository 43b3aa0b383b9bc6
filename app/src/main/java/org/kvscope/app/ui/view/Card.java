package org.kvscope.app.ui.view;

import java.io.File;
import java.io.IOException;
import java.util.function.Supplier;
import javafx.scene.Node;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.viz.data.CsvWritable;
import org.kvscope.viz.export.ChartExport;

/**
 * A titled panel around a view with an export menu: the view as PNG and its data as CSV (the same
 * actions sit in the view's context menu).
 */
public final class Card extends VBox {
    private final Node content;
    private final Supplier<? extends CsvWritable> csv;
    private final HBox header;

    public Card(String title, Node content, Supplier<? extends CsvWritable> csv) {
        this.content = content;
        this.csv = csv;
        getStyleClass().add("card");
        Label t = new Label(title);
        t.getStyleClass().add("card-title");
        t.setWrapText(true);
        t.setMaxWidth(Double.MAX_VALUE);
        t.setMinHeight(Region.USE_PREF_SIZE); // a card given less height than it asks for wraps, never cuts, its title
        HBox.setHgrow(t, Priority.ALWAYS);
        MenuButton export = new MenuButton(null, new FontIcon("mdi2e-export-variant"));
        export.getStyleClass().add("flat");
        export.setMinWidth(Region.USE_PREF_SIZE);
        export.setAccessibleText("Export " + title + " as PNG or CSV");
        export.getItems().addAll(pngItem(title), csvItem(title));
        header = new HBox(6, t, export);
        header.getStyleClass().add("card-header");
        VBox.setVgrow(content, Priority.ALWAYS);
        getChildren().addAll(header, content);
        ContextMenu menu = new ContextMenu(pngItem(title), csvItem(title));
        content.setOnContextMenuRequested(e -> menu.show(content, e.getScreenX(), e.getScreenY()));
    }

    public Node content() { return content; }

    /**
     * Adds a chevron to the header that shows or hides the content ({@code shown}, bidirectionally); hidden, the
     * card is only its header and gives the room to its neighbours (its largest size is then its header's).
     */
    public Card collapsible(javafx.beans.property.BooleanProperty shown, String id) {
        javafx.scene.control.ToggleButton toggle = new javafx.scene.control.ToggleButton();
        toggle.setId(id);
        toggle.getStyleClass().add("flat");
        toggle.setMinWidth(Region.USE_PREF_SIZE);
        toggle.selectedProperty().bindBidirectional(shown);
        toggle.graphicProperty().bind(shown.map(on -> new FontIcon(on ? "mdi2c-chevron-down" : "mdi2c-chevron-right")));
        javafx.scene.control.Tooltip tip = new javafx.scene.control.Tooltip();
        tip.textProperty().bind(shown.map(on -> on ? "Hide this panel" : "Show this panel"));
        toggle.setTooltip(tip);
        toggle.accessibleTextProperty().bind(tip.textProperty());
        header.getChildren().addFirst(toggle);
        content.visibleProperty().bind(shown);
        content.managedProperty().bind(shown);
        Runnable size = () -> {
            setMaxHeight(shown.get() ? Double.MAX_VALUE : USE_PREF_SIZE);
            setMaxWidth(shown.get() ? Double.MAX_VALUE : USE_PREF_SIZE);
        };
        shown.addListener((o, a, b) -> size.run());
        size.run();
        return this;
    }

    /** The view's data as it stands (null when there is none yet). */
    public CsvWritable data() { return csv.get(); }

    private MenuItem pngItem(String title) {
        MenuItem m = new MenuItem("Export PNG…");
        m.setOnAction(e -> {
            File f = chooser(title, "png").showSaveDialog(getScene().getWindow());
            if (f != null) {
                run(() -> ChartExport.png(content, f.toPath()));
            }
        });
        return m;
    }

    private MenuItem csvItem(String title) {
        MenuItem m = new MenuItem("Export data as CSV…");
        m.setOnAction(e -> {
            File f = csv.get() == null ? null : chooser(title, "csv").showSaveDialog(getScene().getWindow());
            CsvWritable data = csv.get();
            if (data == null) {
                Dialogs.error(getScene().getWindow(), "Nothing to export", "This view has no data yet: run a prompt first.");
            } else if (f != null) {
                run(() -> ChartExport.csv(data, f.toPath()));
            }
        });
        return m;
    }

    private static FileChooser chooser(String title, String ext) {
        FileChooser fc = new FileChooser();
        fc.setInitialFileName(title.toLowerCase().replaceAll("[^a-z0-9]+", "-") + "." + ext);
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter(ext.toUpperCase(), "*." + ext));
        return fc;
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void run(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            Dialogs.error(getScene().getWindow(), "Export failed", e.getMessage());
        }
    }
}
