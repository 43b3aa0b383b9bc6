package org.kvscope.app.ui.view;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import org.kvscope.app.ui.vm.ParameterValues;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.kv.ParameterSpec;

/**
 * Controls generated from a policy's {@link ParameterSpec}s: sliders for numeric ranges (integer
 * ranges capped at the model's context), choice boxes, check boxes and a text field for integer
 * lists. Edits go straight to the {@link PolicyViewModel}; its values flow back into the controls.
 */
public final class ParameterControls extends GridPane {
    private final PolicyViewModel vm;
    private final IntSupplier contextLength;
    private final Map<String, Node> controls = new LinkedHashMap<>();
    private boolean updating;

    public ParameterControls(PolicyViewModel vm, IntSupplier contextLength) {
        this.vm = vm;
        this.contextLength = contextLength;
        setHgap(8);
        setVgap(6);
        getStyleClass().add("parameter-controls");
        vm.specsProperty().addListener((o, a, b) -> rebuild());
        vm.valuesProperty().addListener((o, a, b) -> pull());
        rebuild();
    }

    /** The control of a parameter (for tests), or null. */
    public Node control(String name) {
        return controls.get(name);
    }

    /** Rebuilds the controls (e.g. after the model's context length changed). */
    public void rebuild() {
        getChildren().clear();
        controls.clear();
        int row = 0;
        for (ParameterSpec spec : vm.specsProperty().get()) {
            Label name = new Label(spec.name());
            name.setTooltip(new Tooltip(spec.description() + " (" + spec.validRange() + ")"));
            Node control = create(spec);
            control.setId("param-" + vm.label() + "-" + spec.name());
            controls.put(spec.name(), control);
            add(name, 0, row);
            add(control, 1, row);
            GridPane.setHgrow(control, Priority.ALWAYS);
            row++;
        }
        pull();
    }

    private Node create(ParameterSpec spec) {
        return switch (spec.type()) {
            case INT, DOUBLE -> slider(spec);
            case BOOLEAN -> {
                CheckBox c = new CheckBox();
                c.selectedProperty().addListener((o, a, b) -> push(spec, b, c));
                yield c;
            }
            case CHOICE -> {
                ChoiceBox<String> c = new ChoiceBox<>();
                c.getItems().setAll(spec.choices());
                c.valueProperty().addListener((o, a, b) -> push(spec, b, c));
                yield c;
            }
            case INT_LIST -> {
                TextField t = new TextField();
                t.setPromptText("e.g. 4,3,2,1 (" + spec.validRange() + ")");
                t.setOnAction(e -> push(spec, t.getText(), t));
                t.focusedProperty().addListener((o, a, focused) -> {
                    if (!focused) {
                        push(spec, t.getText(), t);
                    }
                });
                yield t;
            }
        };
    }

    private Node slider(ParameterSpec spec) {
        boolean integer = spec.type() == ParameterSpec.Type.INT;
        double max = integer ? Math.min(spec.max(), Math.max(spec.min() + 1, contextLength.getAsInt())) : spec.max();
        Slider s = new Slider(spec.min(), max, spec.min());
        s.setBlockIncrement(integer ? 1 : (max - spec.min()) / 100);
        Label value = new Label();
        value.setMinWidth(48);
        value.getStyleClass().add("value-label");
        s.valueProperty().addListener((o, a, b) -> {
            Object v = integer ? (Object) (int) Math.round(b.doubleValue()) : (Object) round(b.doubleValue());
            value.setText(ParameterValues.format(v));
            push(spec, v, s);
        });
        HBox box = new HBox(6, s, value);
        HBox.setHgrow(s, Priority.ALWAYS);
        box.setUserData(s);
        return box;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private void push(ParameterSpec spec, Object value, Node control) {
        if (updating) {
            return;
        }
        Object current = vm.values().get(spec.name());
        if (current != null && ParameterValues.format(current).equals(ParameterValues.format(value))) {
            return;
        }
        try {
            vm.set(spec.name(), value);
            control.getStyleClass().remove("invalid");
        } catch (IllegalArgumentException e) {
            if (!control.getStyleClass().contains("invalid")) {
                control.getStyleClass().add("invalid");
            }
            vm.errorProperty().set(e.getMessage());
        }
    }

    private void pull() {
        updating = true;
        try {
            for (ParameterSpec spec : vm.specsProperty().get()) {
                Node c = controls.get(spec.name());
                Object v = vm.values().get(spec.name());
                if (c == null || v == null) {
                    continue;
                }
                switch (c) {
                    case HBox box when box.getUserData() instanceof Slider s -> {
                        s.setValue(((Number) v).doubleValue());
                        ((Label) box.getChildren().get(1)).setText(ParameterValues.format(v));
                    }
                    case CheckBox cb -> cb.setSelected((Boolean) v);
                    case ChoiceBox<?> cb -> ((ChoiceBox<String>) cb).setValue((String) v);
                    case TextField t -> t.setText(ParameterValues.format(v));
                    default -> { }
                }
            }
        } finally {
            updating = false;
        }
    }
}
