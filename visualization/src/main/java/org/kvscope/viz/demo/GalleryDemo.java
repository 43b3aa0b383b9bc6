package org.kvscope.viz.demo;

import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.ToggleButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.stage.Stage;
import javafx.util.Duration;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.BudgetSchedule;

/**
 * Manual look at every view with synthetic data: a β slider drives the budget schedule and memory charts, a
 * checkbox toggles the heatmap's log scale and a button streams tokens into the token strip.
 * Run with {@code mvn -pl visualization exec:java}-style tooling or from an IDE.
 */
public final class GalleryDemo {
    private GalleryDemo() {
    }

    /** Starts the demo window. */
    public static void main(String[] args) {
        Application.launch(App.class, args);
    }

    /** The JavaFX application (kept separate so the launcher works with JavaFX on the class path). */
    public static final class App extends Application {
        private int streamed;

        @Override
        public void start(Stage stage) {
            Gallery gallery = new Gallery();
            Slider beta = new Slider(1, 8, 4);
            beta.setPrefWidth(180);
            Label betaLabel = new Label("β = 4.0");
            beta.valueProperty().addListener((obs, o, n) -> {
                BudgetSchedule s = SampleData.pyramid(Gallery.LAYERS, 256, n.doubleValue());
                betaLabel.setText(String.format(java.util.Locale.ROOT, "β = %.1f", n.doubleValue()));
                gallery.schedule().setSchedule(s);
                gallery.memory().setData(SampleData.memory(s, Gallery.CONTEXT, 2 * 4 * 64 * 2));
            });
            CheckBox log = new CheckBox("log colour scale");
            log.setSelected(true);
            log.selectedProperty().addListener((obs, o, n) -> gallery.heatmap().setMapping(
                    n ? ColorScales.Mapping.LOG : ColorScales.Mapping.LINEAR));
            ToggleButton stream = new ToggleButton("stream tokens");
            Timeline timeline = new Timeline(new KeyFrame(Duration.millis(60), e -> {
                int pos = gallery.tokens().size();
                gallery.tokens().append(SampleData.word(pos), 3 + (SampleData.word(pos).hashCode() & 0x1ff),
                        (streamed++ * 37 % 90) / 10.0);
            }));
            timeline.setCycleCount(Timeline.INDEFINITE);
            stream.selectedProperty().addListener((obs, o, n) -> {
                if (n) {
                    timeline.play();
                } else {
                    timeline.stop();
                }
            });
            HBox controls = new HBox(new Label("PyramidKV"), beta, betaLabel, log, stream);
            controls.getStyleClass().add("toolbar-row");
            BorderPane root = VizStyle.apply(new BorderPane(new ScrollPane(gallery.root())), "viz-view");
            root.setTop(controls);
            stage.setTitle("kvscope visualization gallery");
            stage.setScene(new Scene(root, 1340, 900));
            stage.show();
        }
    }
}
