package org.kvscope.app.ui.view;

import java.io.File;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Orientation;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Separator;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TitledPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.vm.ViewSettings;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.data.LayerHead;
import org.kvscope.viz.view.HeatmapGridView;

/**
 * The workbench window's content: menu bar and toolbar (with Run, Generate and Stop, so they are
 * always in sight) on top, model and prompt on the left, the
 * views in tabs in the middle, policies A and B on the right, status at the bottom. Both side
 * panels scroll and can be hidden (View menu, toolbar), and two-view pages stack vertically when
 * narrow, so the window stays usable down to {@link #MIN_WIDTH} × {@link #MIN_HEIGHT}.
 */
public final class MainWindow extends BorderPane {
    /** Smallest window size the layout is designed (and tested) for. */
    public static final double MIN_WIDTH = 1024, MIN_HEIGHT = 700;
    /**
     * Side panels never get narrower than this while shown, in pixels, nor than {@link #SIDE_MIN_EM} of the root font:
     * the policy sheet's parameter names cut below 340 px at the normal font (its sliders keep a width in pixels).
     */
    static final double SIDE_MIN_WIDTH = 340;
    /** Least width of a side panel in em of the root font (425 px in presentation mode). */
    static final double SIDE_MIN_EM = 25;
    /** Below this width (scaled with the font) the side panels share one column. */
    static final double NARROW_WIDTH = 1360;
    /** Largest layer or head index a session may select when its model is not known (else below the model's count). */
    static final int MAX_LAYERS_OR_HEADS = 1023;
    /** A two-view page narrower than this stacks its views vertically. */
    static final double SIDE_BY_SIDE_MIN_WIDTH = 760;

    private final WorkbenchViewModel vm;
    private final Looks looks = new Looks();
    /** Number of view tabs (Attention … Heads): {@code bench-ui --tab} accepts 0 to one less. */
    public static final int VIEW_COUNT = 6;
    private final TabPane views = new TabPane();
    private final TabPane policies;
    private final AttentionPane attention;
    private final MetricsPane metrics;
    private final EvaluationPane evaluation;
    private final PolicyPane policyA;
    private final PolicyPane policyB;
    private final HeadSelection selection = new HeadSelection();
    private final PolicyDiffPane diff;
    private final TokensPage tokens;
    private final HeadClassificationPane heads;
    private final EvaluationTabs evaluationTabs;
    private final BooleanProperty leftPanel = new SimpleBooleanProperty(true);
    private final BooleanProperty rightPanel = new SimpleBooleanProperty(true);
    private final SplitPane main = new SplitPane();
    private final ScrollPane leftScroll;
    private final Tab modelTab;
    private final Tab policyTabA;
    private final Tab policyTabB;
    private boolean narrow;
    private final MainMenu menu;
    private final RunControls runControls;
    private final HeatmapControls compareControls;
    private final ComparePane comparePage;
    private final AttentionSplit attentionSplit;

    public MainWindow(WorkbenchViewModel vm) {
        this.vm = vm;
        getStyleClass().add("workbench");
        looks.apply(this);
        attention = new AttentionPane(vm, vm.policyA(), selection, true);
        metrics = new MetricsPane(vm, selection);
        evaluation = new EvaluationPane(vm);
        java.util.function.IntSupplier ctx = () -> vm.model() == null ? 512 : vm.model().config().contextLength();
        policyA = new PolicyPane(vm.policyA(), ctx);
        policyB = new PolicyPane(vm.policyB(), ctx);
        vm.modelProperty().addListener((o, a, b) -> {
            policyA.controls().rebuild();
            policyB.controls().rebuild();
        });

        TitledPane modelBox = new TitledPane("Model", new ModelPane(vm));
        TitledPane promptBox = new TitledPane("Prompt", new PromptPane(vm));
        leftScroll = scroll(new VBox(modelBox, promptBox));
        leftScroll.setId("left-panel");
        leftScroll.setAccessibleText("Model and prompt panel");

        HeatmapGridView grid = new HeatmapGridView(56);
        grid.setId("head-grid");
        grid.setAccessibleText("Layer by head grid: a small heatmap of every head's attention; click one to show it large");
        bindGrid(grid);
        attentionSplit = new AttentionSplit(new Card("Attention (policy A overlay)", attention, attention::shownMap),
                new Card("Layer × head — click to select", grid, () -> grid.mapsProperty().get()));
        stacksWhenNarrow(attentionSplit);
        comparePage = new ComparePane(vm, selection, metrics.totalsProperty());
        diff = comparePage.diff();
        compareControls = comparePage.controls();
        tokens = new TokensPage(vm, selection);
        heads = new HeadClassificationPane(vm);
        evaluationTabs = new EvaluationTabs(vm, evaluation);
        ScrollPane attentionPage = new ScrollPane(attentionSplit); // scrolls when the heatmap would get too short
        attentionPage.setFitToWidth(true);
        attentionPage.setFitToHeight(true);
        Tab attentionTab = tab("Attention", "mdi2g-grid", attentionPage, "view-attention");
        Tab metricsTab = tab("Metrics", "mdi2c-chart-line", metrics, "view-metrics");
        Tab evaluationTab = tab("Evaluation", "mdi2t-target", evaluationTabs, "view-evaluation");
        Tab compareTab = tab("Compare A | B", "mdi2c-compare", comparePage, "view-compare");
        Tab tokensTab = tab("Tokens & evictions", "mdi2f-format-text", tokens, "view-tokens");
        views.getTabs().addAll(attentionTab, metricsTab, evaluationTab, compareTab, tokensTab,
                tab("Heads", "mdi2v-view-grid-outline", scroll(heads), "view-heads"));
        if (views.getTabs().size() != VIEW_COUNT) {
            throw new IllegalStateException("VIEW_COUNT is " + VIEW_COUNT + " but the window has " + views.getTabs().size());
        }
        views.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        views.setId("views");
        views.setAccessibleText("Views: attention, metrics, perplexity and needles, compare A and B");
        views.setMinWidth(300);
        SelectedTabLayout.install(views);
        views.widthProperty().addListener((o, a, b) -> fitViewTabs());
        looks.fontSizeProperty().addListener((o, a, b) -> fitViewTabs());
        views.getTabs().addListener((javafx.collections.ListChangeListener<Tab>) c -> fitViewTabs());
        attention.activeProperty().bind(attentionTab.selectedProperty());
        metrics.activeProperty().bind(metricsTab.selectedProperty());
        comparePage.activeProperty().bind(compareTab.selectedProperty());
        tokens.activeProperty().bind(tokensTab.selectedProperty());
        evaluationTabs.shownProperty().bind(evaluationTab.selectedProperty());

        modelTab = tab("Model & prompt", "mdi2t-text-box-outline", null, "side-model");
        policyTabA = tab("Policy A", "mdi2a-alpha-a-box-outline", scroll(policyA), "side-policy-a");
        policyTabB = tab("Policy B", "mdi2a-alpha-b-box-outline", scroll(policyB), "side-policy-b");
        policies = new TabPane(policyTabA, policyTabB);
        policies.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        policies.setId("policy-tabs");
        SelectedTabLayout.install(policies);
        policies.setAccessibleText("Policy panel: settings of policies A and B");

        main.setOrientation(Orientation.HORIZONTAL);
        leftPanel.addListener((o, a, b) -> arrangePanels());
        rightPanel.addListener((o, a, b) -> arrangePanels());
        arrangePanels();
        // panels move between the columns when the window's width changes, outside a layout pass (moved while the
        // split was laid out, the policy tabs kept a removed tab's header); the columns' widths follow the split's
        // own width, which changes after the window's
        widthProperty().addListener((o, a, b) -> onResize());
        main.widthProperty().addListener((o, a, b) -> fitSides());
        looks.fontSizeProperty().addListener((o, a, b) -> {
            for (Parent root : new Parent[] {this, leftScroll, policies}) { // a hidden panel is outside the window
                if (root == this || root.getScene() == null) {
                    ComboWidths.release(root);
                }
            }
            onResize();
        });
        setCenter(main);

        runControls = new RunControls(vm);
        menu = new MainMenu(this);
        setTop(new VBox(menu.bar(), toolbar()));
        setBottom(new TaskStatusBar(vm));

        registerViewSettings(vm.viewSettings());

        vm.problemProperty().addListener((o, a, p) -> {
            if (p != null) {
                Dialogs.error(getScene() == null ? null : getScene().getWindow(), p.title(), p.message());
                vm.problemProperty().set(null);
            }
        });
    }

    /** The views' settings that sessions save, by name, with their valid values. */
    private void registerViewSettings(ViewSettings v) {
        v.modelIndex("attention.layer", ViewSettings.ModelDimension.LAYERS, MAX_LAYERS_OR_HEADS, selection.layerProperty());
        v.modelIndex("attention.head", ViewSettings.ModelDimension.HEADS, MAX_LAYERS_OR_HEADS, selection.headProperty());
        v.bool("attention.gridShown", attentionSplit.gridShownProperty());
        v.bool("heatmap.log", selection.logProperty());
        for (HeatmapControls heatmap : java.util.List.of(attention.controls(), compareControls)) {
            String at = heatmap == compareControls ? "compare." : "heatmap.";
            v.bool(at + "rowNormalised", heatmap.rowNormalise().selectedProperty());
            v.choice(at + "clip", heatmap.clip().getItems(), MainWindow::clipId, heatmap.clip().valueProperty());
            SavedZoom zoom = heatmap == compareControls ? new SavedZoom(comparePage.heatmap(0), comparePage.activeProperty())
                    : new SavedZoom(attention.heatmap(), attention.activeProperty());
            v.keyRange(at + "keys", org.kvscope.app.ui.Workbench.MAP_RESOLUTION, zoom.rangeProperty());
        }
        var pvc = metrics.pvc();
        v.choice("pvc.definition", java.util.List.of(org.kvscope.metrics.PvcConsistency.Definition.values()),
                Enum::name, pvc.definitionProperty());
        v.integer("pvc.k", 1, 4096, pvc.kProperty());
        v.integer("pvc.window", 2, 64, pvc.windowProperty());
        TokenFocusPane focus = tokens.focus();
        v.integerAfterRun("focus.token", -1, org.kvscope.app.ui.session.SessionStore.MAX_PROMPT_CHARS,
                focus.model().focusProperty());
        v.choice("focus.direction", java.util.List.of(TokenFocusPane.Direction.values()), Enum::name,
                focus.direction().valueProperty());
        v.choice("focus.scope", java.util.List.of(HeadScope.values()), Enum::name, focus.scope().valueProperty());
        var curves = evaluation.curves().model();
        v.choice("curves.suite", org.kvscope.app.ui.vm.BudgetCurvesViewModel.perplexitySuites(),
                org.kvscope.prompts.SuiteDescriptor::id, curves.suiteProperty());
        v.bool("curves.follow", curves.autoProperty());
        var timeline = tokens.timeline().model();
        v.choice("timeline.policy", java.util.List.<Number>of(0, 1), i -> i.intValue() == 0 ? "A" : "B",
                timeline.policyIndexProperty());
        v.integer("timeline.steps", 1, 512, timeline.stepsProperty());
    }

    /** "clip at p99" → "p99", "no clipping" → "none" (the clipping choice as sessions save it). */
    private static String clipId(String label) {
        return label.startsWith("clip at ") ? label.substring("clip at ".length()) : "none";
    }

    public TabPane views() { return views; }
    /** The policy column's tabs (in a narrow window, the model and prompt tab comes first). */
    public TabPane policyTabs() { return policies; }
    /** The tab of policy A (0) or B (1). */
    public Tab policyTab(int index) { return index == 0 ? policyTabA : policyTabB; }
    public AttentionPane attention() { return attention; }
    public MetricsPane metrics() { return metrics; }
    public EvaluationPane evaluation() { return evaluation; }
    public PolicyPane policyPaneA() { return policyA; }
    public PolicyPane policyPaneB() { return policyB; }
    public HeadSelection selection() { return selection; }
    /** The Attention tab's heatmap and layer × head grid. */
    public SplitPane attentionSplit() { return attentionSplit; }
    /** Whether the Attention tab shows the layer × head grid (false: collapsed to its title). */
    public BooleanProperty gridShownProperty() { return attentionSplit.gridShownProperty(); }
    /** The heatmap controls Compare's A and B share. */
    public HeatmapControls compareControls() { return compareControls; }
    public PolicyDiffPane diff() { return diff; }
    public TokensPage tokens() { return tokens; }
    /** The Heads page: retrieval heads classified on request. */
    public HeadClassificationPane heads() { return heads; }
    /** The Evaluation page's sub-tabs (perplexity and needles, agreement, replay). */
    public EvaluationTabs evaluationTabs() { return evaluationTabs; }
    /** Theme and font size. */
    public Looks looks() { return looks; }
    /** Whether the model and prompt panel is shown. */
    public BooleanProperty leftPanelProperty() { return leftPanel; }
    /** Whether the policy panel is shown. */
    public BooleanProperty rightPanelProperty() { return rightPanel; }
    /** The keyboard shortcuts as listed in Help → Keyboard shortcuts. */
    public java.util.List<MainMenu.Shortcut> shortcuts() { return menu.shortcuts(); }

    /** Whether the window is too narrow for three columns (the side panels then share one). */
    public boolean isNarrow() {
        double w = getWidth() > 0 ? getWidth() : getPrefWidth();
        return w < NARROW_WIDTH * looks.fontScale().get();
    }

    /**
     * Puts the shown panels into the split: three columns in a wide window; in a narrow one the model
     * and prompt become the first tab of the policy column, so the views keep most of the width. Only
     * the panels that come or go are added or removed: a node taken out of the scene and put back is
     * restyled and laid out from scratch, which for the views (every page, charts included) costs far
     * more than a frame.
     */
    private void arrangePanels() {
        boolean wasNarrow = narrow;
        narrow = isNarrow();
        if (!narrow && policies.getTabs().remove(modelTab)) {
            modelTab.setContent(null);
        }
        java.util.List<Node> wanted = new java.util.ArrayList<>();
        if (narrow) {
            if (leftPanel.get() || rightPanel.get()) {
                wanted.add(policies);
            }
            wanted.add(views);
        } else {
            if (leftPanel.get()) {
                wanted.add(leftScroll);
            }
            wanted.add(views);
            if (rightPanel.get()) {
                wanted.add(policies);
            }
        }
        SplitItems.arrange(main.getItems(), wanted, views);
        if (narrow && !policies.getTabs().contains(modelTab)) {
            modelTab.setContent(leftScroll);
            policies.getTabs().addFirst(modelTab);
            if (!wasNarrow) {
                policies.getSelectionModel().select(modelTab);
            }
        }
        fitSides();
    }

    /** Side panels take a share of the width within bounds that scale with the font. */
    private void fitSides() {
        double w = main.getWidth() > 0 ? main.getWidth() : getPrefWidth() > 0 ? getPrefWidth() : 1280;
        double scale = looks.fontScale().get();
        double least = Math.max(SIDE_MIN_WIDTH, SIDE_MIN_EM * looks.fontSizeProperty().get());
        double side = Math.clamp(w * (narrow ? 0.27 : 0.2), least, Math.max(least, (narrow ? 380 : 360) * scale));
        for (Region r : new Region[] {leftScroll, policies}) {
            r.setMinWidth(least);
        }
        // No item resizes with the split: it then lays every item out at the positions set here, from the new width.
        // Its own resize rules keep a non-resizing item's old width even against explicit positions (a column set at
        // 1024 px stayed so at 1280) and share the change among resizing ones when a position stays the same.
        for (Node item : main.getItems()) {
            SplitPane.setResizableWithParent(item, false);
        }
        int n = main.getItems().size();
        double[] at = new double[n - 1];
        if (n == 3) {
            at[0] = side / w;
            at[1] = 1 - side / w;
        } else if (n == 2) {
            at[0] = main.getItems().get(0) == views ? 1 - side / w : side / w;
        }
        main.setDividerPositions(at);
    }

    /** Font of the view tabs' titles when even without icons they would not fit, relative to the root font. */
    static final double COMPACT_TAB_FONT = 0.85;

    /**
     * Keeps every view tab's title in sight (a narrow window, presentation mode, more tabs): when the titles with
     * their icons would not fit the views' width the tabs drop their icons, and when even that is too wide their
     * titles get {@link #COMPACT_TAB_FONT} of the root font.
     */
    private void fitViewTabs() {
        double width = views.getWidth();
        if (width <= 0) {
            return;
        }
        double font = looks.fontSizeProperty().get();
        boolean icons = tabTitlesWidth(font, true) <= width;
        boolean smaller = !icons && tabTitlesWidth(font, false) > width;
        for (Tab t : views.getTabs()) {
            if (!icons && t.getGraphic() != null) {
                t.getProperties().put("icon", t.getGraphic());
                t.setGraphic(null);
            } else if (icons && t.getProperties().get("icon") instanceof Node icon) {
                t.setGraphic(icon);
            }
            t.setStyle(smaller ? "-fx-font-size: " + COMPACT_TAB_FONT + "em;" : "");
        }
    }

    /**
     * About the width the view tabs' headers need at a root font of {@code font} px (Modena's tab padding and
     * gaps, the header area's margins, an icon and its gap when {@code icons}); errs on the wide side.
     */
    private double tabTitlesWidth(double font, boolean icons) {
        javafx.scene.text.Text probe = new javafx.scene.text.Text();
        probe.setFont(javafx.scene.text.Font.font(font));
        double sum = 2 * font;
        for (Tab t : views.getTabs()) {
            probe.setText(t.getText());
            sum += probe.getLayoutBounds().getWidth() + 2.4 * font + (icons ? 16 + 0.6 * font : 0);
        }
        return sum;
    }

    private void onResize() {
        if (narrow != isNarrow()) {
            arrangePanels();
        } else {
            fitSides();
        }
    }

    private static SplitPane stacksWhenNarrow(SplitPane split) {
        split.widthProperty().addListener((o, a, w) -> split.setOrientation(
                w.doubleValue() < SIDE_BY_SIDE_MIN_WIDTH ? Orientation.VERTICAL : Orientation.HORIZONTAL));
        return split;
    }

    // --- actions behind the menus and shortcuts -------------------------------------------------

    void openModel() { fire("#open-model"); }
    void run() { runControls.run(); }
    void generate() { runControls.generate(); }
    /** Cancels the task in progress: a model load, a Run or a generation. */
    void stop() { vm.task().cancel(); }
    void quit() { getScene().getWindow().hide(); }
    void undo() { vm.undo(); }
    void redo() { vm.redo(); }

    void showPolicy(int index) {
        rightPanel.set(true);
        policies.getSelectionModel().select(index == 0 ? policyTabA : policyTabB);
    }

    void stepLayer(int delta) {
        if (vm.model() != null) {
            step(selection.layerProperty(), delta, vm.model().config().layers());
        }
    }

    void stepHead(int delta) {
        if (vm.model() != null) {
            step(selection.headProperty(), delta, vm.model().config().heads());
        }
    }

    private static void step(javafx.beans.property.IntegerProperty p, int delta, int count) {
        p.set(Math.clamp(p.get() + delta, 0, count - 1));
    }

    /** Fires an enabled button of the left panel (the same as clicking it, shown or not). */
    private void fire(String selector) {
        if (leftScroll.getContent().lookup(selector) instanceof ButtonBase b && !b.isDisabled()) {
            b.fire();
        }
    }

    void openSession() {
        File f = sessionChooser().showOpenDialog(getScene().getWindow());
        if (f != null) {
            vm.openSession(f.toPath());
        }
    }

    /** File ▸ Load policy plugins…: a directory of plugin jars, loaded in the background; a dialog says what it added. */
    void loadPlugins() {
        javafx.stage.DirectoryChooser chooser = new javafx.stage.DirectoryChooser();
        chooser.setTitle("Load policy plugins: a directory of plugin jars");
        File dir = chooser.showDialog(getScene().getWindow());
        if (dir != null) {
            PluginLoading.load(dir.toPath(), () -> {
                policyA.refreshPolicies();
                policyB.refreshPolicies();
            }).thenAccept(r -> {
                javafx.scene.control.Alert a = Dialogs.info(getScene().getWindow(), "Policy plugins");
                a.setHeaderText("Policy plugins");
                a.setContentText(PluginLoading.summary(dir.toPath(), r));
                a.show();
            });
        }
    }

    void saveSession() {
        File f = sessionChooser().showSaveDialog(getScene().getWindow());
        if (f != null) {
            vm.saveSession(f.toPath());
        }
    }

    private void bindGrid(HeatmapGridView grid) {
        CaptureViews.feed(vm, (run, model) -> VizData.maps(run, model.tokenizer()), grid::setMaps);
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

    private static Tab tab(String title, String icon, Node content, String id) {
        Tab t = new Tab(title, content);
        t.setGraphic(new FontIcon(icon));
        t.setId(id);
        return t;
    }

    /**
     * Shows the view tab with id {@code id} ({@code view-attention}, {@code view-metrics}, {@code view-evaluation},
     * {@code view-compare}, {@code view-tokens}, {@code view-heads}).
     *
     * @throws IllegalArgumentException naming the valid ids when there is no such tab
     */
    public void showView(String id) {
        views.getSelectionModel().select(TabIds.find(views, id));
    }

    /**
     * Panel toggles, Run, Generate and Stop, the session buttons and the looks. When they would not fit (1024 px in
     * presentation mode) the session buttons show only their icons first, then the title goes, then Run, Generate
     * and Stop show only theirs: every action stays on the bar, none in its overflow menu.
     */
    private ToolBar toolbar() {
        Button openSession = new Button("Open session…", new FontIcon("mdi2f-folder-open"));
        openSession.setId("open-session");
        openSession.setTooltip(new Tooltip("Open a saved session (Ctrl+Shift+O)"));
        openSession.setOnAction(e -> openSession());
        Button save = new Button("Save session…", new FontIcon("mdi2c-content-save-outline"));
        save.setId("save-session");
        save.setTooltip(new Tooltip("Save the model, prompt, policies and view settings as a session (Ctrl+S)"));
        save.setOnAction(e -> saveSession());
        Label title = new Label("kvscope");
        title.getStyleClass().add("app-title");
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        ToolBar bar = new FittingToolBar(java.util.List.of(java.util.List.of(openSession, save), java.util.List.of(title),
                runControls.buttons()), toggle("mdi2d-dock-left",
                "Show or hide the model and prompt panel (Ctrl+Shift+L)", "toggle-left", leftPanel), title,
                new Separator(Orientation.VERTICAL));
        bar.getItems().addAll(runControls.nodes());
        bar.getItems().addAll(gap, openSession, save, new Separator(Orientation.VERTICAL),
                toggle("mdi2t-theme-light-dark", "Dark theme (Ctrl+Shift+D)", "toggle-dark", looks.darkProperty()),
                toggle("mdi2p-presentation", "Presentation mode: larger text for teaching (F5)", "toggle-presentation",
                        looks.presentationProperty()),
                toggle("mdi2d-dock-right", "Show or hide the policy panel (Ctrl+Shift+R)", "toggle-right", rightPanel));
        bar.setId("toolbar");
        return bar;
    }

    private static ToggleButton toggle(String icon, String help, String id, BooleanProperty state) {
        ToggleButton t = new ToggleButton(null, new FontIcon(icon));
        t.setId(id);
        t.setTooltip(new Tooltip(help));
        t.setAccessibleText(help);
        t.selectedProperty().bindBidirectional(state);
        return t;
    }

    private static FileChooser sessionChooser() {
        FileChooser fc = new FileChooser();
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("kvscope session", "*.kvscope.json", "*.json"));
        fc.setInitialFileName("session.kvscope.json");
        return fc;
    }
}
