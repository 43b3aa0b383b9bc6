package org.kvscope.app.ui.view;

import java.io.File;
import javafx.geometry.Orientation;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TitledPane;
import javafx.scene.control.ToolBar;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.data.LayerHead;
import org.kvscope.viz.view.HeatmapGridView;

/**
 * The workbench window's content: model and prompt on the left, the views in tabs in the middle,
 * policies A and B on the right, status at the bottom.
 */
public final class MainWindow extends BorderPane {
    private final WorkbenchViewModel vm;
    private final TabPane views = new TabPane();
    private final AttentionPane attention;
    private final MetricsPane metrics;
    private final EvaluationPane evaluation;
    private final PolicyPane policyA;
    private final PolicyPane policyB;
    private final HeadSelection selection = new HeadSelection();
    private final PolicyDiffPane diff;
    private final TokensPage tokens;

    public MainWindow(WorkbenchViewModel vm) {
        this.vm = vm;
        getStyleClass().add("workbench");
        attention = new AttentionPane(vm, vm.policyA(), selection, true);
        metrics = new MetricsPane(vm);
        evaluation = new EvaluationPane(vm);
        java.util.function.IntSupplier ctx = () -> vm.model() == null ? 512 : vm.model().config().contextLength();
        policyA = new PolicyPane(vm.policyA(), ctx);
        policyB = new PolicyPane(vm.policyB(), ctx);
        vm.modelProperty().addListener((o, a, b) -> {
            policyA.controls().rebuild();
            policyB.controls().rebuild();
        });

        setTop(toolbar());
        ModelPane model = new ModelPane(vm);
        PromptPane prompt = new PromptPane(vm);
        TitledPane modelBox = new TitledPane("Model", model);
        TitledPane promptBox = new TitledPane("Prompt", prompt);
        VBox left = new VBox(modelBox, promptBox);
        ScrollPane leftScroll = new ScrollPane(left);
        leftScroll.setFitToWidth(true);
        leftScroll.setMinWidth(300);

        HeatmapGridView grid = new HeatmapGridView(56);
        grid.setId("head-grid");
        bindGrid(grid);
        SplitPane attentionSplit = new SplitPane(
                new Card("Attention (policy A overlay)", attention, attention::shownMap),
                new Card("Layer × head — click to select", grid, () -> grid.mapsProperty().get()));
        attentionSplit.setDividerPositions(0.6);
        AttentionPane compareA = new AttentionPane(vm, vm.policyA(), selection, false);
        AttentionPane compareB = new AttentionPane(vm, vm.policyB(), selection, false);
        SplitPane compare = new SplitPane(new Card("Policy A", compareA, compareA::shownMap),
                new Card("Policy B", compareB, compareB::shownMap));
        Label compareTotals = new Label();
        compareTotals.getStyleClass().add("totals");
        compareTotals.setWrapText(true);
        compareTotals.textProperty().bind(metrics.totalsProperty());
        diff = new PolicyDiffPane(vm, selection);
        SplitPane compareAndDiff = new SplitPane(compare, scroll(diff));
        compareAndDiff.setOrientation(Orientation.VERTICAL);
        VBox comparePage = new VBox(8, compareTotals, compareAndDiff);
        comparePage.getStyleClass().add("page");
        VBox.setVgrow(compareAndDiff, Priority.ALWAYS);
        tokens = new TokensPage(vm, selection);
        views.getTabs().addAll(tab("Attention", "mdi2g-grid", attentionSplit), tab("Metrics", "mdi2c-chart-line", metrics),
                tab("Perplexity & needles", "mdi2t-target", evaluation), tab("Compare A | B", "mdi2c-compare", comparePage),
                tab("Tokens & evictions", "mdi2f-format-text", tokens));
        views.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        attention.activeProperty().bind(views.getTabs().get(0).selectedProperty());
        metrics.activeProperty().bind(views.getTabs().get(1).selectedProperty());
        compareA.activeProperty().bind(views.getTabs().get(3).selectedProperty());
        compareB.activeProperty().bind(views.getTabs().get(3).selectedProperty());
        tokens.activeProperty().bind(views.getTabs().get(4).selectedProperty());
        diff.activeProperty().bind(views.getTabs().get(3).selectedProperty());

        TabPane policies = new TabPane(tab("Policy A", "mdi2a-alpha-a-box-outline", scroll(policyA)),
                tab("Policy B", "mdi2a-alpha-b-box-outline", scroll(policyB)));
        policies.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        policies.setMinWidth(300);

        SplitPane main = new SplitPane(leftScroll, views, policies);
        main.setOrientation(Orientation.HORIZONTAL);
        main.setDividerPositions(0.24, 0.76);
        SplitPane.setResizableWithParent(leftScroll, false);
        SplitPane.setResizableWithParent(policies, false);
        setCenter(main);

        setBottom(new TaskStatusBar(vm));

        vm.problemProperty().addListener((o, a, p) -> {
            if (p != null) {
                Dialogs.error(getScene() == null ? null : getScene().getWindow(), p.title(), p.message());
                vm.problemProperty().set(null);
            }
        });
    }

    public TabPane views() { return views; }
    public AttentionPane attention() { return attention; }
    public MetricsPane metrics() { return metrics; }
    public EvaluationPane evaluation() { return evaluation; }
    public PolicyPane policyPaneA() { return policyA; }
    public PolicyPane policyPaneB() { return policyB; }
    public HeadSelection selection() { return selection; }
    public PolicyDiffPane diff() { return diff; }
    public TokensPage tokens() { return tokens; }

    private void bindGrid(HeatmapGridView grid) {
        vm.captureProperty().addListener((o, a, run) ->
                grid.setMaps(run == null ? null : VizData.maps(run, vm.model().tokenizer())));
        grid.mappingProperty().bind(selection.logProperty().map(log -> log ? ColorScales.Mapping.LOG
                : ColorScales.Mapping.LINEAR));
        grid.selectedProperty().addListener((o, a, b) -> {
            if (b != null) {
                selection.layerProperty().set(b.layer());
                selection.headProperty().set(b.head());
            }
        });
        Runnable push = () -> {
            LayerHead lh = new LayerHead(selection.layerProperty().get(), selection.headProperty().get());
            if (!lh.equals(grid.getSelected()) && grid.mapsProperty().get() != null) {
                grid.setSelected(lh);
            }
        };
        selection.layerProperty().addListener((o, a, b) -> push.run());
        selection.headProperty().addListener((o, a, b) -> push.run());
    }

    private static ScrollPane scroll(Region r) {
        ScrollPane s = new ScrollPane(r);
        s.setFitToWidth(true);
        return s;
    }

    private static Tab tab(String title, String icon, javafx.scene.Node content) {
        Tab t = new Tab(title, content);
        t.setGraphic(new FontIcon(icon));
        return t;
    }

    private ToolBar toolbar() {
        Button openSession = new Button("Open session…", new FontIcon("mdi2f-folder-open"));
        openSession.setOnAction(e -> {
            File f = sessionChooser().showOpenDialog(getScene().getWindow());
            if (f != null) {
                vm.openSession(f.toPath());
            }
        });
        Button save = new Button("Save session…", new FontIcon("mdi2c-content-save-outline"));
        save.setOnAction(e -> {
            File f = sessionChooser().showSaveDialog(getScene().getWindow());
            if (f != null) {
                vm.saveSession(f.toPath());
            }
        });
        Label title = new Label("kvscope");
        title.getStyleClass().add("app-title");
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        return new ToolBar(title, gap, openSession, save);
    }

    private static FileChooser sessionChooser() {
        FileChooser fc = new FileChooser();
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("kvscope session", "*.kvscope.json", "*.json"));
        fc.setInitialFileName("session.kvscope.json");
        return fc;
    }
}
