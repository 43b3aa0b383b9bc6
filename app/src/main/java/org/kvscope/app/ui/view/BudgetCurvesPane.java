package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javafx.beans.binding.Bindings;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.vm.BudgetCurvesViewModel;
import org.kvscope.app.ui.vm.BudgetCurvesViewModel.Curves;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.viz.data.BandCurve;
import org.kvscope.viz.data.BandCurveSet;
import org.kvscope.viz.view.BandCurveChart;

/**
 * Perplexity and needle accuracy against budget for A and B over a suite's prompts: the line is the
 * median (perplexity) or the share of all cases (needles), the band spans min–max over prompts
 * (perplexity) or over context lengths (needles); the current budget is marked. Computed in the
 * background on demand (or after every change with "follow changes"), cached per setting.
 */
public final class BudgetCurvesPane extends VBox {
    private final WorkbenchViewModel vm;
    private final BudgetCurvesViewModel curves;
    private final BandCurveChart perplexity = new BandCurveChart();
    private final BandCurveChart needles = new BandCurveChart();
    private final Label status = new Label();
    private final UpdatesWhenShown updates = new UpdatesWhenShown(this::update);

    public BudgetCurvesPane(WorkbenchViewModel vm) {
        super(6);
        this.vm = vm;
        this.curves = new BudgetCurvesViewModel(new Workbench(), vm);
        ComboBox<SuiteDescriptor> suite = new ComboBox<>();
        suite.setId("curves-suite");
        suite.getItems().setAll(BudgetCurvesViewModel.perplexitySuites());
        suite.setCellFactory(l -> new EvaluationPane.SuiteCell());
        suite.setButtonCell(new EvaluationPane.SuiteCell());
        suite.valueProperty().bindBidirectional(curves.suiteProperty());
        Button compute = new Button("Compute", new FontIcon("mdi2p-play"));
        compute.setId("curves-compute");
        compute.disableProperty().bind(vm.modelProperty().isNull());
        compute.setOnAction(e -> curves.compute());
        Button cancel = new Button("Cancel", new FontIcon("mdi2s-stop"));
        cancel.setId("curves-cancel");
        cancel.disableProperty().bind(curves.task(0).runningProperty().or(curves.task(1).runningProperty()).not());
        cancel.setOnAction(e -> curves.cancel());
        CheckBox follow = new CheckBox("follow changes");
        follow.setId("curves-auto");
        follow.selectedProperty().bindBidirectional(curves.autoProperty());
        ProgressBar progress = new ProgressBar();
        progress.setPrefWidth(120);
        progress.progressProperty().bind(Bindings.createDoubleBinding(
                () -> (curves.task(0).progressProperty().get() + curves.task(1).progressProperty().get()) / 2,
                curves.task(0).progressProperty(), curves.task(1).progressProperty()));
        progress.visibleProperty().bind(curves.task(0).runningProperty().or(curves.task(1).runningProperty()));
        javafx.scene.layout.FlowPane bar = new javafx.scene.layout.FlowPane(8, 4, Labelled.of("Prompts", suite), compute, cancel, follow, progress);
        bar.setAlignment(Pos.CENTER_LEFT);
        status.setId("curves-status");
        status.getStyleClass().add("muted");
        status.setWrapText(true);
        perplexity.setId("curves-perplexity");
        needles.setId("curves-needles");
        HBox charts = new HBox(10, perplexity, needles);
        HBox.setHgrow(perplexity, Priority.ALWAYS);
        HBox.setHgrow(needles, Priority.ALWAYS);
        getChildren().addAll(bar, status, charts);
        for (int i = 0; i < 2; i++) {
            curves.task(i).resultProperty().addListener((o, a, b) -> updates.changed());
            curves.task(i).messageProperty().addListener((o, a, b) -> updates.changed());
            vm.policies().get(i).valuesProperty().addListener((o, a, b) -> updates.changed());
        }
        update();
    }

    public BudgetCurvesViewModel model() { return curves; }

    /** Whether the pane is on screen (while not, changes only mark it stale; it updates when shown or read). */
    public javafx.beans.property.BooleanProperty activeProperty() { return updates.activeProperty(); }

    public BandCurveChart perplexityChart() { updates.flush(); return perplexity; }

    public BandCurveChart needleChart() { updates.flush(); return needles; }

    private double markedBudget() {
        Object b = vm.policyA().values().get(BudgetParameters.BUDGET);
        return b instanceof Integer i ? i : Double.NaN;
    }

    private void update() {
        List<BandCurve> ppl = new ArrayList<>();
        List<BandCurve> needle = new ArrayList<>();
        Curves fullSource = null;
        int prompts = 0, lengths = 0;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            PolicyViewModel p = vm.policies().get(i);
            Curves c = curves.task(i).result();
            String message = curves.task(i).messageProperty().get();
            if (!message.isEmpty()) {
                text.append(p.label()).append(": ").append(message).append("  ");
            }
            if (c == null) {
                continue;
            }
            String name = p.label() + ": " + c.policy();
            ppl.add(perplexityBand(name, c.budgets(), c.perplexity()));
            prompts = c.perplexity().length;
            if (c.needleByLength().length > 0) {
                needle.add(new BandCurve(name, asDouble(c.budgets()), rowMin(c.needleByLength()), c.needleAll(),
                        rowMax(c.needleByLength())));
                lengths = c.needleFullKv().length;
            }
            fullSource = c;
        }
        if (fullSource != null) {
            double[] b = asDouble(fullSource.budgets());
            double[] f = fullSource.fullKv();
            double lo = Arrays.stream(f).min().orElse(Double.NaN), hi = Arrays.stream(f).max().orElse(Double.NaN);
            ppl.add(new BandCurve("FullKV", b, filled(b.length, lo), filled(b.length, median(f)), filled(b.length, hi)));
            if (fullSource.needleFullKv().length > 0) {
                double[] nf = fullSource.needleFullKv();
                needle.add(new BandCurve("FullKV", b, filled(b.length, Arrays.stream(nf).min().orElse(0)),
                        filled(b.length, Arrays.stream(nf).average().orElse(0)), filled(b.length, Arrays.stream(nf).max().orElse(0))));
            }
        }
        double mark = markedBudget();
        perplexity.setData(ppl.isEmpty() ? null : new BandCurveSet("perplexity (median)", ppl, mark,
                "min–max over " + prompts + " prompts"));
        needles.setData(needle.isEmpty() ? null : new BandCurveSet("needle accuracy", needle, mark,
                "min–max over " + lengths + " context lengths"));
        status.setText(!text.isEmpty() ? text.toString().strip() : ppl.isEmpty()
                ? "Press Compute to sweep budgets " + Arrays.toString(BudgetCurvesViewModel.BUDGETS)
                + " for A and B over the suite's prompts and the needle suite (runs in the background)."
                : "Mark: policy A's budget now. Perplexity of each prompt's last quarter after compressing the rest.");
    }

    /** Median line and min–max band over prompts, per budget (NaN prompts skipped). */
    static BandCurve perplexityBand(String name, int[] budgets, double[][] perPrompt) {
        int n = budgets.length;
        double[] lo = new double[n], mid = new double[n], hi = new double[n];
        for (int b = 0; b < n; b++) {
            int col = b;
            double[] v = Arrays.stream(perPrompt).mapToDouble(r -> r[col]).filter(x -> !Double.isNaN(x)).toArray();
            lo[b] = v.length == 0 ? Double.NaN : Arrays.stream(v).min().getAsDouble();
            hi[b] = v.length == 0 ? Double.NaN : Arrays.stream(v).max().getAsDouble();
            mid[b] = v.length == 0 ? Double.NaN : median(v);
        }
        return new BandCurve(name, asDouble(budgets), lo, mid, hi);
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double[] asDouble(int[] v) {
        return Arrays.stream(v).asDoubleStream().toArray();
    }

    private static double[] filled(int n, double v) {
        double[] out = new double[n];
        Arrays.fill(out, v);
        return out;
    }

    private static double[] rowMin(double[][] m) {
        return Arrays.stream(m).mapToDouble(r -> Arrays.stream(r).min().orElse(Double.NaN)).toArray();
    }

    private static double[] rowMax(double[][] m) {
        return Arrays.stream(m).mapToDouble(r -> Arrays.stream(r).max().orElse(Double.NaN)).toArray();
    }
}
