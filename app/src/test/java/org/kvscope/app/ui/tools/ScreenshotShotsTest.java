package org.kvscope.app.ui.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javafx.scene.control.Tab;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.tools.ScreenshotCommand.Shot;
import org.kvscope.app.ui.tools.ScreenshotCommand.Where;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * {@code kvscope screenshots} shows every view and Evaluation sub-view by tab id (not position), light and dark,
 * at 1280×800 and large, and each shot's view, sub-view and scroll target exist in the real window.
 */
@ExtendWith(ApplicationExtension.class)
class ScreenshotShotsTest {
    @TempDir static Path dir;
    private WorkbenchViewModel vm;
    private MainWindow window;

    @Start
    void start(Stage stage) {
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(), new RecentModels(dir.resolve("recent.json")),
                DeviceProbe.cpuOnly());
        window = org.kvscope.app.ui.FxWait.show(stage, vm);
    }

    @AfterEach
    void stop() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(10, TimeUnit.SECONDS);
    }

    private static <T> T fx(java.util.concurrent.Callable<T> onFx) throws Exception {
        return WaitForAsyncUtils.asyncFx(onFx).get(30, TimeUnit.SECONDS);
    }

    private static boolean any(Predicate<Shot> p) {
        return ScreenshotCommand.SHOTS.stream().anyMatch(p);
    }

    @Test
    void everyViewAndSubViewIsShotLightAndDarkAtBothSizes() throws Exception {
        List<String> views = fx(() -> window.views().getTabs().stream().map(Tab::getId).toList());
        List<String> subViews = fx(() -> window.evaluationTabs().getTabs().stream().map(Tab::getId).toList());
        for (String v : views) {
            assertTrue(any(s -> s.where().view().equals(v)), "no shot of view " + v);
        }
        for (String v : subViews) {
            assertTrue(any(s -> v.equals(s.where().subView())), "no shot of Evaluation sub-view " + v);
        }
        for (boolean dark : new boolean[] {false, true}) {
            assertTrue(any(s -> s.dark() == dark && s.width() == 1280 && s.height() == 800), "1280×800 dark " + dark);
            assertTrue(any(s -> s.dark() == dark && s.width() == ScreenshotCommand.LARGE_W), "large, dark " + dark);
        }
        assertTrue(any(s -> s.width() == 1024 && s.height() == 700 && s.presentation()), "presentation at 1024×700");
        assertTrue(any(s -> s.where().equals(ScreenshotCommand.FUNNELLING) && !s.dark())
                && any(s -> s.where().equals(ScreenshotCommand.FUNNELLING) && s.dark()), "entropy chart, light and dark");
        List<Shot> shots = ScreenshotCommand.SHOTS;
        int firstAgreement = shots.indexOf(shots.stream().filter(s -> s.where().equals(ScreenshotCommand.AGREEMENT))
                .findFirst().orElseThrow());
        assertTrue(shots.subList(firstAgreement, shots.size()).stream()
                .allMatch(s -> s.where().equals(ScreenshotCommand.AGREEMENT)), "the shots after policy B changes for"
                + " the agreement are all agreement shots");
        Set<String> files = new HashSet<>();
        ScreenshotCommand.SHOTS.forEach(s -> assertTrue(files.add(s.file()), "file written twice: " + s.file()));
    }

    @Test
    void eachShotSelectsItsTabsByIdAndScrollsItsTargetIntoSight() throws Exception {
        for (Shot shot : ScreenshotCommand.SHOTS) {
            Where w = shot.where();
            fx(() -> {
                ScreenshotCommand.show(window, w);
                window.applyCss();
                window.layout();
                ScreenshotCommand.scroll(window, w);
                window.layout();
                return null;
            });
            assertEquals(w.view(), fx(() -> window.views().getSelectionModel().getSelectedItem().getId()), shot.file());
            if (w.subView() != null) {
                assertEquals(w.subView(), fx(() -> window.evaluationTabs().getSelectionModel().getSelectedItem().getId()));
            }
            if (w.scrollTo() != null) {
                var target = fx(() -> window.lookup("#" + w.scrollTo()));
                var page = fx(() -> (javafx.scene.control.ScrollPane) window.views().getSelectionModel().getSelectedItem()
                        .getContent());
                double top = fx(() -> target.localToScene(target.getLayoutBounds()).getMinY());
                double viewTop = fx(() -> page.localToScene(page.getLayoutBounds()).getMinY());
                assertTrue(fx(page::getVvalue) > 0, shot.file() + ": the page scrolled down to " + w.scrollTo());
                assertTrue(top >= viewTop && top < viewTop + fx(() -> page.getViewportBounds().getHeight()) / 2,
                        shot.file() + ": " + w.scrollTo() + " at " + top + ", the page from " + viewTop);
            }
        }
        fx(() -> {
            ScreenshotCommand.show(window, ScreenshotCommand.METRICS);
            ScreenshotCommand.scroll(window, ScreenshotCommand.METRICS);
            return null;
        });
        assertSame(window.metrics(), fx(() -> window.views().getSelectionModel().getSelectedItem().getContent()));
        assertEquals(0, fx(() -> window.metrics().getVvalue()), 1e-9, "a shot without a target shows the page's top");
    }

    @Test
    void anUnknownTabIdNamesTheValidOnes() throws Exception {
        IllegalArgumentException e = fx(() -> assertThrows(IllegalArgumentException.class,
                () -> window.showView("view-nothing")));
        assertEquals("no tab 'view-nothing'; valid: view-attention, view-metrics, view-evaluation, view-compare,"
                + " view-tokens, view-heads", e.getMessage());
        e = fx(() -> assertThrows(IllegalArgumentException.class, () -> window.evaluationTabs().show("replay")));
        assertEquals("no tab 'replay'; valid: evaluation-needles, evaluation-agreement, evaluation-replay",
                e.getMessage());
    }
}
