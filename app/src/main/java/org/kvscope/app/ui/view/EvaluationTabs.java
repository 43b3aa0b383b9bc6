package org.kvscope.app.ui.view;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.vm.WorkbenchViewModel;

/**
 * The Evaluation page's sub-tabs: perplexity and needles ({@link EvaluationPane}), the score
 * agreement of A and B ({@link ScoreAgreementPane}) and the multi-question replay ({@link ReplayPane}).
 * The perplexity-and-needles view and the agreement update only while their sub-tab is shown on a
 * shown page.
 */
public final class EvaluationTabs extends TabPane {
    private final BooleanProperty shown = new SimpleBooleanProperty(true);
    private final ScoreAgreementPane agreement;
    private final ReplayPane replay;

    public EvaluationTabs(WorkbenchViewModel vm, EvaluationPane evaluation) {
        agreement = new ScoreAgreementPane(vm);
        replay = new ReplayPane(vm);
        Tab agreementTab = tab("Agreement", "mdi2s-scale-balance", fill(scroll(agreement)), "evaluation-agreement");
        Tab evaluationTab = tab("Perplexity & needles", "mdi2t-target", evaluation, "evaluation-needles");
        getTabs().addAll(evaluationTab, agreementTab,
                tab("Replay", "mdi2r-replay", scroll(replay), "evaluation-replay"));
        setTabClosingPolicy(TabClosingPolicy.UNAVAILABLE);
        setId("evaluation-tabs");
        setAccessibleText("Evaluation: perplexity and needles, score agreement of A and B, multi-question replay");
        agreement.model().activeProperty().bind(shown.and(agreementTab.selectedProperty()));
        evaluation.activeProperty().bind(shown.and(evaluationTab.selectedProperty()));
    }

    /** Whether the page holding these tabs is shown. */
    public BooleanProperty shownProperty() { return shown; }

    public ScoreAgreementPane agreement() { return agreement; }

    public ReplayPane replay() { return replay; }

    /** Selects a sub-tab by its title. */
    public void select(String title) {
        getTabs().stream().filter(t -> t.getText().equals(title)).findFirst()
                .ifPresent(t -> getSelectionModel().select(t));
    }

    /**
     * A page whose chart takes the height the tab has: as tall as the viewport, and scrolled only when the
     * viewport is lower than the page's minimum height.
     */
    private static ScrollPane fill(ScrollPane s) {
        s.setFitToHeight(true);
        return s;
    }

    private static ScrollPane scroll(javafx.scene.layout.Region content) {
        ScrollPane s = new ScrollPane(content);
        s.setFitToWidth(true);
        return s;
    }

    /**
     * Shows the sub-tab with id {@code id} ({@code evaluation-needles}, {@code evaluation-agreement},
     * {@code evaluation-replay}).
     *
     * @throws IllegalArgumentException naming the valid ids when there is no such sub-tab
     */
    public void show(String id) {
        getSelectionModel().select(TabIds.find(this, id));
    }

    private static Tab tab(String title, String icon, javafx.scene.Node content, String id) {
        Tab t = new Tab(title, content);
        t.setGraphic(new FontIcon(icon));
        t.setId(id);
        return t;
    }
}
