package org.kvscope.app.ui.view;

import java.util.function.Consumer;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import org.kvscope.app.ui.vm.ParameterValues;
import org.kvscope.app.ui.vm.SliderScale;

/**
 * A slider (linear or logarithmic, by its {@link SliderScale}) with an editable number field: moving
 * the slider or typing a number and pressing Enter (or leaving the field) hands the value to
 * {@code onEdit}; {@link #show} displays a value without reporting it.
 */
public final class NumberControl extends HBox {
    private final Slider slider = new Slider(0, 1, 0);
    private final TextField field = new TextField();
    private final SliderScale scale;
    private final Consumer<Object> onEdit;
    private Number shown;
    private boolean updating;

    public NumberControl(SliderScale scale, Consumer<Object> onEdit) {
        super(6);
        this.scale = scale;
        this.onEdit = onEdit;
        slider.setBlockIncrement(scale.integer() && !scale.log() ? 1.0 / Math.max(1, scale.max() - scale.min()) : 0.01);
        field.setPrefColumnCount(5);
        field.setMinWidth(56);
        field.setMaxWidth(80);
        // a short preferred slider leaves the parameter sheet's name column room at 1024 and 1280 px; the
        // slider still grows into whatever width is free
        slider.setPrefWidth(36);
        slider.setMinWidth(24);
        field.getStyleClass().add("value-field");
        slider.valueProperty().addListener((o, a, b) -> {
            if (!updating) {
                Number v = scale.value(b.doubleValue());
                if (!v.equals(shown)) {
                    shown = v;
                    field.setText(ParameterValues.format(v));
                    onEdit.accept(v);
                }
            }
        });
        field.setOnAction(e -> commitField());
        field.focusedProperty().addListener((o, a, focused) -> {
            if (!focused) {
                commitField();
            }
        });
        HBox.setHgrow(slider, Priority.ALWAYS);
        getChildren().addAll(slider, field);
    }

    public Slider slider() { return slider; }
    public TextField field() { return field; }
    public SliderScale scale() { return scale; }

    /** The value shown (as last set or edited). */
    public Number number() { return shown; }

    /** Shows a value: the field's text and the slider's position (clamped to the track), without reporting it. */
    public void show(Number value) {
        updating = true;
        try {
            shown = value;
            field.setText(ParameterValues.format(value));
            slider.setValue(scale.position(value.doubleValue()));
        } finally {
            updating = false;
        }
    }

    /** Sets a value as the user would (it is reported). */
    public void setNumber(Number value) {
        field.setText(ParameterValues.format(value));
        commitField();
    }

    private void commitField() {
        String text = field.getText() == null ? "" : field.getText().trim();
        if (shown != null && text.equals(ParameterValues.format(shown))) {
            return;
        }
        onEdit.accept(text);
    }
}
