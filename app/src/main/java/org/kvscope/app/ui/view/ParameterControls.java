package org.kvscope.app.ui.view;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import javafx.beans.value.ObservableValue;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Control;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.VBox;
import org.controlsfx.control.PropertySheet;
import org.controlsfx.property.editor.PropertyEditor;
import org.controlsfx.validation.ValidationResult;
import org.controlsfx.validation.ValidationSupport;
import org.kvscope.app.ui.vm.ParameterValues;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.SliderScale;
import org.kvscope.kv.ParameterSpec;

/**
 * The parameter grid of one policy (a ControlsFX {@link PropertySheet}), generated from its
 * {@link ParameterSpec}s: the papers' names with a one-line definition on hover, only the
 * parameters the current values use (β only for the pyramid schedule), numbers as a slider (log
 * scale for wide ranges, integer ranges capped at the model's context) with an editable field,
 * choices, check boxes and integer lists. Bad text gets a ValidationSupport mark and the policy's
 * error; edits go to the {@link PolicyViewModel} and its values flow back.
 *
 * <p>Each policy's sheet (one per set of parameters shown) is built the first time it is shown and
 * kept: switching policy puts the kept sheet back and shows the values the view model holds, so a
 * switch costs no new controls, tooltips or popups. A new model (context length) drops them all.
 */
public final class ParameterControls extends VBox {
    private final PolicyViewModel vm;
    private final IntSupplier contextLength;
    private final ValidationSupport validation = new ValidationSupport();
    private final Map<SheetKey, Sheet> sheets = new HashMap<>();
    private Sheet current;
    private int built;
    private boolean updating;

    /** A policy and the parameters its values use: one sheet each. */
    private record SheetKey(String policy, List<String> names) {}

    /** One built sheet: its PropertySheet and the control of each parameter shown in it. */
    private record Sheet(SheetKey key, PropertySheet sheet, Map<String, Node> controls) {}

    public ParameterControls(PolicyViewModel vm, IntSupplier contextLength) {
        this.vm = vm;
        this.contextLength = contextLength;
        getStyleClass().add("parameter-controls");
        vm.revisionProperty().addListener((o, a, b) -> refresh());
        refresh();
    }

    /** The control of a parameter shown now (for tests), or null. */
    public Node control(String name) {
        current.sheet().applyCss();
        current.sheet().layout();
        return current.controls().get(name);
    }

    /** Names of the parameters shown, in order. */
    public List<String> shownNames() {
        return current.key().names();
    }

    /** The grid on screen (for tests: a policy shown again gets the same one back). */
    public PropertySheet sheet() {
        return current.sheet();
    }

    /** How many sheets were built so far (for tests and the benchmark's breakdown). */
    public int sheetsBuilt() {
        return built;
    }

    /** Drops every kept sheet and builds the current one again (a new model changes the context length). */
    public void rebuild() {
        sheets.clear();
        current = null;
        refresh();
    }

    /** Shows the sheet of the current policy and parameters (built once), with the view model's values. */
    private void refresh() {
        SheetKey key = new SheetKey(vm.policyName(), usedNames());
        if (current == null || !current.key().equals(key)) {
            current = sheets.computeIfAbsent(key, this::build);
            getChildren().setAll(current.sheet());
        }
        pull();
    }

    private Sheet build(SheetKey key) {
        built++;
        PropertySheet sheet = new PropertySheet();
        sheet.setModeSwitcherVisible(false);
        sheet.setSearchBoxVisible(false);
        sheet.setMode(PropertySheet.Mode.NAME);
        Sheet made = new Sheet(key, sheet, new LinkedHashMap<>());
        sheet.setPropertyEditorFactory(item -> ((SpecItem) item).editor(made));
        sheet.getItems().setAll(vm.specsProperty().get().stream().filter(s -> key.names().contains(s.name()))
                .map(SpecItem::new).toList());
        return made;
    }

    private List<String> usedNames() {
        return vm.specsProperty().get().stream().filter(s -> s.isUsed(vm.values())).map(ParameterSpec::name).toList();
    }

    private void pull() {
        updating = true;
        try {
            for (Map.Entry<String, Node> c : current.controls().entrySet()) {
                Object v = vm.values().get(c.getKey());
                if (v != null) {
                    show(c.getValue(), v);
                }
            }
        } finally {
            updating = false;
        }
    }

    @SuppressWarnings("unchecked")
    private static void show(Node c, Object v) {
        switch (c) {
            case NumberControl n -> n.show((Number) v);
            case CheckBox cb -> cb.setSelected((Boolean) v);
            case ChoiceBox<?> cb -> ((ChoiceBox<String>) cb).setValue((String) v);
            case TextField t -> t.setText(ParameterValues.format(v));
            default -> { }
        }
    }

    private void push(Sheet from, ParameterSpec spec, Object value) {
        if (updating || from != current) {
            return;
        }
        Object current = vm.values().get(spec.name());
        if (current != null && ParameterValues.format(current).equals(ParameterValues.format(value))) {
            return;
        }
        try {
            vm.set(spec.name(), value);
        } catch (IllegalArgumentException e) {
            vm.errorProperty().set(e.getMessage());
        }
    }

    private Node create(Sheet sheet, ParameterSpec spec) {
        Node node = switch (spec.type()) {
            case INT, DOUBLE -> {
                NumberControl n = new NumberControl(SliderScale.of(spec, contextLength.getAsInt()), v -> push(sheet, spec, v));
                validate(n.field(), spec);
                yield n;
            }
            case BOOLEAN -> {
                CheckBox c = new CheckBox();
                c.selectedProperty().addListener((o, a, b) -> push(sheet, spec, b));
                yield c;
            }
            case CHOICE -> {
                ChoiceBox<String> c = new ChoiceBox<>();
                c.getItems().setAll(spec.choices());
                c.valueProperty().addListener((o, a, b) -> {
                    if (b != null) {
                        push(sheet, spec, b);
                    }
                });
                yield c;
            }
            case INT_LIST -> {
                TextField t = new TextField();
                t.setPromptText("e.g. 4,3,2,1");
                t.setOnAction(e -> push(sheet, spec, t.getText()));
                t.focusedProperty().addListener((o, a, focused) -> {
                    if (!focused) {
                        push(sheet, spec, t.getText());
                    }
                });
                validate(t, spec);
                yield t;
            }
        };
        node.setId("param-" + vm.label() + "-" + spec.name());
        if (node instanceof Control c) {
            c.setTooltip(tooltip(spec));
        } else {
            Tooltip.install(node, tooltip(spec));
        }
        sheet.controls().put(spec.name(), node);
        Object v = vm.values().get(spec.name());
        if (v != null) {
            updating = true;
            try {
                show(node, v);
            } finally {
                updating = false;
            }
        }
        return node;
    }

    private void validate(TextField field, ParameterSpec spec) {
        validation.registerValidator(field, false, (Control c, String text) -> {
            try {
                if (text != null && !text.isBlank()) {
                    spec.validate(text);
                }
                return new ValidationResult();
            } catch (IllegalArgumentException e) {
                return ValidationResult.fromError(c, e.getMessage());
            }
        });
    }

    static Tooltip tooltip(ParameterSpec spec) {
        return new Tooltip(description(spec));
    }

    /** The parameter's name, definition and valid range (the text of its tooltip). */
    static String description(ParameterSpec spec) {
        return spec.displayName() + ": " + spec.description() + " (" + spec.name() + ", " + spec.validRange() + ")";
    }

    /** One parameter as a PropertySheet item: the paper's name, its definition, the current value. */
    private final class SpecItem implements PropertySheet.Item {
        private final ParameterSpec spec;

        SpecItem(ParameterSpec spec) {
            this.spec = spec;
        }

        PropertyEditor<?> editor(Sheet sheet) {
            Node node = create(sheet, spec);
            return new PropertyEditor<Object>() {
                @Override public Node getEditor() { return node; }
                @Override public Object getValue() { return vm.values().get(spec.name()); }
                @Override public void setValue(Object value) {
                    if (value != null) {
                        updating = true;
                        try {
                            show(node, value);
                        } finally {
                            updating = false;
                        }
                    }
                }
            };
        }

        @Override public Class<?> getType() { return Object.class; }
        @Override public String getCategory() { return "Parameters"; }
        @Override public String getName() { return spec.displayName(); }
        @Override public String getDescription() { return description(spec); }
        @Override public Object getValue() { return vm.values().get(spec.name()); }
        @Override public void setValue(Object value) { push(current, spec, value); }
        @Override public Optional<ObservableValue<? extends Object>> getObservableValue() { return Optional.empty(); }
    }
}
