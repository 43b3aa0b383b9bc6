package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.layout.BackgroundFill;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.paint.LinearGradient;
import javafx.scene.paint.Paint;
import javafx.scene.paint.Stop;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.viz.VizTheme;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Every icon in sight stands out from what it sits on in both themes: a contrast ratio of at least 3:1 (WCAG 2.1,
 * 1.4.11, for graphical objects), the icon's colour against the fill of the nearest background behind it. Icons of
 * disabled controls are exempt, as WCAG exempts inactive components. (Ikonli draws icons black unless told otherwise:
 * in the dark theme the toolbar's icon-only toggles were all but invisible.)
 */
@ExtendWith(ApplicationExtension.class)
class IconContrastTest {
    /** WCAG's least contrast ratio for graphical objects and user-interface components. */
    private static final double LEAST_CONTRAST = 3.0;
    @TempDir static Path dir;
    private WorkbenchViewModel vm;
    private MainWindow window;

    @Start
    void start(Stage stage) {
        vm = FxWait.workbench(dir);
        window = FxWait.show(stage, vm);
    }

    @AfterEach
    void stop() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.asyncFx(() -> VizTheme.darkProperty().set(false)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void everyIconStandsOutInTheLightTheme(FxRobot robot) {
        assertIconsStandOut(robot, false);
    }

    @Test
    void everyIconStandsOutInTheDarkTheme(FxRobot robot) {
        assertIconsStandOut(robot, true);
    }

    private void assertIconsStandOut(FxRobot robot, boolean dark) {
        robot.interact(() -> window.looks().darkProperty().set(dark));
        WaitForAsyncUtils.waitForFxEvents();
        List<String> checked = new ArrayList<>();
        List<String> faint = new ArrayList<>();
        robot.interact(() -> {
            window.snapshot(null, null); // CSS and layout applied
            for (Node n : window.lookupAll(".ikonli-font-icon")) {
                if (!(n instanceof FontIcon icon) || !shown(icon) || icon.isDisabled()) {
                    continue;
                }
                Color fg = (Color) icon.getIconColor();
                Color bg = backgroundBehind(icon);
                double ratio = contrast(fg, bg);
                String what = icon.getIconCode().getDescription() + " in " + owner(icon) + ": " + fg + " on " + bg
                        + String.format(java.util.Locale.ROOT, " (%.2f:1)", ratio);
                checked.add(what);
                if (ratio < LEAST_CONTRAST) {
                    faint.add(what);
                }
            }
        });
        assertTrue(checked.stream().anyMatch(s -> s.contains("toggle-dark")) && checked.size() >= 10,
                "the toolbar's toggles and the other icons were checked: " + checked);
        assertTrue(faint.isEmpty(), (dark ? "dark" : "light") + " theme, icons below " + LEAST_CONTRAST + ":1:\n"
                + String.join("\n", faint));
    }

    private static boolean shown(Node n) {
        for (Node p = n; p != null; p = p.getParent()) {
            if (!p.isVisible() || p.getOpacity() == 0) {
                return false;
            }
        }
        return n.getScene() != null;
    }

    /** The nearest ancestor with an id or a style class, to name where an icon sits. */
    private static String owner(Node icon) {
        for (Node p = icon.getParent(); p != null; p = p.getParent()) {
            if (p.getId() != null) {
                return "#" + p.getId();
            }
        }
        return "?";
    }

    /** The top fill of the nearest ancestor region that paints a background (a gradient as the mean of its stops). */
    private static Color backgroundBehind(Node icon) {
        for (Node p = icon.getParent(); p != null; p = p.getParent()) {
            if (p instanceof Region r && r.getBackground() != null && !r.getBackground().getFills().isEmpty()) {
                List<BackgroundFill> fills = r.getBackground().getFills();
                Color c = solid(fills.getLast().getFill());
                if (c != null && c.getOpacity() > 0.5) {
                    return c;
                }
            }
        }
        return Color.WHITE;
    }

    private static Color solid(Paint p) {
        if (p instanceof Color c) {
            return c;
        }
        if (p instanceof LinearGradient g) {
            double r = 0, gr = 0, b = 0, a = 0;
            for (Stop s : g.getStops()) {
                r += s.getColor().getRed();
                gr += s.getColor().getGreen();
                b += s.getColor().getBlue();
                a += s.getColor().getOpacity();
            }
            int n = g.getStops().size();
            return Color.color(r / n, gr / n, b / n, a / n);
        }
        return null;
    }

    /** WCAG 2.1 contrast ratio of two colours. */
    static double contrast(Color a, Color b) {
        double la = luminance(a);
        double lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    private static double luminance(Color c) {
        return 0.2126 * linear(c.getRed()) + 0.7152 * linear(c.getGreen()) + 0.0722 * linear(c.getBlue());
    }

    private static double linear(double channel) {
        return channel <= 0.03928 ? channel / 12.92 : Math.pow((channel + 0.055) / 1.055, 2.4);
    }
}
