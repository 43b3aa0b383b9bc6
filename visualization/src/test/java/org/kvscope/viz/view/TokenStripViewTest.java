package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.paint.Color;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.TokenRange;
import org.kvscope.viz.data.TokenStrip;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class TokenStripViewTest {
    private TokenStripView view;
    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        view = new TokenStripView();
        Fx.show(stage, view, 400, 200);
    }

    private static int argb(Color c) {
        return 0xFF000000 | (int) Math.round(c.getRed() * 255) << 16 | (int) Math.round(c.getGreen() * 255) << 8
                | (int) Math.round(c.getBlue() * 255);
    }

    private int pixelInChip(int position, double dx, double dy) {
        Node chip = Fx.call(() -> view.chip(position));
        Bounds b = Fx.call(() -> view.sceneToLocal(chip.localToScene(chip.getBoundsInLocal())));
        WritableImage img = Fx.snapshot(view);
        return Fx.argb(img, b.getMinX() + dx, b.getMinY() + dy);
    }

    @Test
    void chipsShowPieceIdAndNllTint() {
        Fx.run(() -> view.setStrip(new TokenStrip(List.of("Once", " upon", "\n"), new int[] {7, 8, 13},
                new double[] {Double.NaN, 8.0, 0.0})));
        assertEquals(3, view.size());
        Node chip = Fx.call(() -> view.chip(1));
        List<String> texts = Fx.call(() -> ((javafx.scene.layout.VBox) chip).getChildren().stream()
                .map(n -> ((Text) n).getText()).toList());
        assertEquals(List.of("·upon", "8"), texts);
        assertEquals(argb(view.tintFor(8.0)), pixelInChip(1, 3, 3), "high NLL gets the darkest tint");
        assertTrue(Fx.distance(pixelInChip(2, 3, 3), 0xFFFFFFFF) < 10, "zero NLL is white");
    }

    /**
     * A theme change between a shorter strip and the next layout retints only the new tokens' chips: it tinted the
     * chips still on screen by their old positions, past the new strip's end (bench-ui: IndexOutOfBoundsException,
     * index 546 for 510 tokens, when a Run replaced a prompt and its generated tokens).
     */
    @Test
    void aThemeChangeRightAfterAShorterStripThrowsNothing() {
        int n = 40;
        List<String> pieces = java.util.Collections.nCopies(n, "ab");
        Fx.run(() -> view.setStrip(new TokenStrip(pieces, new int[n], new double[n])));
        assertTrue(Fx.call(() -> view.liveChips()) > 2, "chips on screen");
        boolean dark = org.kvscope.viz.VizTheme.darkProperty().get();
        try {
            Fx.run(() -> {
                view.setStrip(new TokenStrip(List.of("a", "b"), new int[2], new double[2]));
                org.kvscope.viz.VizTheme.darkProperty().set(!dark); // before any layout
            });
            assertEquals(2, view.size());
            // the same rows with other tokens: the chips on screen are the new ones, and known to the view
            Fx.run(() -> view.setStrip(new TokenStrip(java.util.Collections.nCopies(n, "cd"), new int[n], new double[n])));
            Fx.awaitRendered(view);
            Node chip = Fx.call(() -> view.chip(0));
            assertEquals("cd", Fx.call(() -> ((Text) ((javafx.scene.layout.VBox) chip).getChildren().getFirst()).getText()));
            assertTrue(Fx.call(() -> view.liveChips()) > 2, "chips on screen again");
        } finally {
            Fx.run(() -> org.kvscope.viz.VizTheme.darkProperty().set(dark));
        }
    }

    @Test
    void appendStreamsAndSelectionHighlights(FxRobot robot) {
        Fx.run(() -> view.setStrip(null));
        for (int batch = 0; batch < 4; batch++) {
            int first = batch * 50;
            Fx.run(() -> {
                for (int id = first; id < first + 50; id++) {
                    view.append("w" + id, id, id % 9);
                }
            });
        }
        assertEquals(200, view.size());
        assertEquals("w199", Fx.call(() -> view.snapshotStrip().pieces().get(199)));
        assertTrue(Fx.call(() -> view.isShown(199)), "follows the tail");
        assertTrue(Fx.call(() -> !view.isShown(0)), "the first row scrolled out of view");

        int before = pixelInChip(195, 0.5, 6);
        Fx.run(() -> view.select(195, 205));
        int after = pixelInChip(195, 0.5, 6);
        assertTrue(Fx.distance(after, 0xFFFF3D7F) < 60, "selected chip gets the highlight border");
        assertTrue(Fx.distance(before, after) > 60);
        Fx.run(() -> view.append("late", 1, Double.NaN));
        assertTrue(Fx.call(() -> view.chip(200).getPseudoClassStates().stream()
                .anyMatch(p -> p.getPseudoClassName().equals("selected"))), "appended chip inside the range");

        robot.clickOn(centreOf(198));
        assertEquals(new TokenRange(198, 199), Fx.call(() -> view.selectionProperty().get()));
        Fx.run(view::clearSelection);
        assertNull(view.selectionProperty().get());
    }

    /**
     * An append that rebuilds the clicked chip's row between press and release (tokens streaming in) must not lose the
     * click: the press hits the old chip node, the release its replacement.
     */
    @Test
    void aClickSurvivesAnAppendThatRebuildsTheRow(FxRobot robot) {
        Fx.run(() -> view.setStrip(new TokenStrip(List.of("a", "b", "c"), new int[] {1, 2, 3}, null)));
        Node pressed = Fx.call(() -> view.chip(1));
        robot.moveTo(centreOf(1)).press(MouseButton.PRIMARY);
        Fx.run(() -> {
            view.append("d", 4, Double.NaN);
            view.layout();
        });
        assertNotSame(pressed, Fx.call(() -> view.chip(1)), "the append rebuilt the row under the pointer");
        robot.release(MouseButton.PRIMARY);
        assertEquals(new TokenRange(1, 2), Fx.call(() -> view.selectionProperty().get()));
    }

    /** Screen centre of a chip once pending appends and scrolls are laid out. */
    private Point2D centreOf(int position) {
        return Fx.call(() -> {
            view.applyCss();
            view.layout();
            Node chip = view.chip(position);
            Bounds b = chip.localToScreen(chip.getBoundsInLocal());
            return new Point2D(b.getCenterX(), b.getCenterY());
        });
    }

    /** Thousands of tokens: only the rows in view get chip nodes, and every token is still reachable. */
    @Test
    void longStripsAreVirtualised() {
        int n = 5000;
        List<String> pieces = java.util.stream.IntStream.range(0, n).mapToObj(i -> " w" + (i % 97)).toList();
        int[] ids = java.util.stream.IntStream.range(0, n).toArray();
        // lays out and counts in one FX task: on a loaded machine the next pulse can come after a separate check
        int live = Fx.call(() -> {
            view.setStrip(new TokenStrip(pieces, ids, null));
            view.layout();
            return view.liveChips();
        });
        assertEquals(n, view.size());
        assertTrue(live > 0 && live < 400, "only chips in view exist, was " + live);
        assertTrue(Fx.call(() -> view.isShown(n - 1)), "shows the tail");
        Node first = Fx.call(() -> view.chip(0));
        assertEquals(List.of("·w0", "0"), Fx.call(() -> ((javafx.scene.layout.VBox) first).getChildren().stream()
                .map(t -> ((Text) t).getText()).toList()));
        assertTrue(Fx.call(() -> view.isShown(0)), "chip() scrolls its row into view");
        Fx.run(() -> view.select(1, 3));
        assertTrue(Fx.call(() -> view.chip(2).getPseudoClassStates().stream()
                .anyMatch(p -> p.getPseudoClassName().equals("selected"))));
        assertEquals(2, Fx.call(() -> {
            view.setStrip(new TokenStrip(List.of("a", "b"), new int[] {1, 2}, null));
            view.layout();
            return view.liveChips();
        }));
    }

    /**
     * The prompt pane's strip (about 320 x 110 px) holds more rows than its viewport has pixels from about 1,000
     * tokens on: JavaFX's VirtualFlow then logs "index exceeds maxCellCount" whenever a layout leaves room below the
     * last row. No prompt length up to a 2,048-token context, reached by growing or shrinking the prompt or by a width
     * change, may make it log, and the strip always holds and can show every token.
     */
    @Test
    void noVirtualFlowWarningForAnyPromptLengthUpToTheContext() {
        showLikeThePromptPane();
        List<String> logged = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.logging.Logger controls = java.util.logging.Logger.getLogger("javafx.scene.control");
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override public void publish(java.util.logging.LogRecord r) { logged.add(r.getLevel() + " " + r.getMessage()); }
            @Override public void flush() {}
            @Override public void close() {}
        };
        controls.addHandler(handler);
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            int[] lengths = {1, 511, 512, 1023, 2048, 1023, 512, 511, 1, 2048, 1023};
            for (int n : lengths) {
                List<String> pieces = java.util.stream.IntStream.range(0, n).mapToObj(i -> " w" + (i % 97)).toList();
                int[] ids = java.util.stream.IntStream.range(0, n).map(i -> 100 + i % 900).toArray();
                Fx.run(() -> view.setStrip(new TokenStrip(pieces, ids, null)));
                Fx.snapshot(view);
                assertEquals(n, view.size());
                assertTrue(Fx.call(() -> view.isShown(n - 1)), n + " tokens: the tail is shown");
                assertTrue(Fx.call(() -> {
                    view.chip(0);
                    return view.isShown(0);
                }), n + " tokens: the first token can be shown");
            }
            for (double width : new double[] {260, 420, 320}) {
                Fx.run(() -> stage.setWidth(width));
                Fx.snapshot(view);
                assertTrue(Fx.call(() -> view.isShown(1022)), "after a width change the tail is still followed");
            }
        } finally {
            System.setErr(err);
            controls.removeHandler(handler);
        }
        String text = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(logged.isEmpty() && !text.contains("maxCellCount"), "JavaFX warned: " + logged + " " + text);
    }

    /** Not following the tail, a width change rewraps the rows and keeps the top row's first token in view. */
    @Test
    void aWidthChangeKeepsTheTopTokenInViewWhenNotFollowingTheTail() {
        showLikeThePromptPane();
        int n = 1023;
        List<String> pieces = java.util.stream.IntStream.range(0, n).mapToObj(i -> " w" + (i % 97)).toList();
        Fx.run(() -> {
            view.followTailProperty().set(false);
            view.setStrip(new TokenStrip(pieces, java.util.stream.IntStream.range(0, n).toArray(), null));
        });
        Fx.snapshot(view);
        Fx.run(() -> view.chip(500));
        for (double width : new double[] {260, 420, 320}) {
            Fx.run(() -> stage.setWidth(width));
            Fx.snapshot(view);
            assertTrue(Fx.call(() -> view.isShown(500)), "at " + width + " px token 500 is still in view");
        }
    }

    /** A larger chip font from the stylesheet (presentation mode) rewraps the rows: no chip reaches past the list. */
    @Test
    void aLargerChipFontRewrapsTheRows() {
        showLikeThePromptPane();
        int n = 300;
        List<String> pieces = java.util.stream.IntStream.range(0, n).mapToObj(i -> " w" + (i % 97)).toList();
        Fx.run(() -> view.setStrip(new TokenStrip(pieces, java.util.stream.IntStream.range(0, n).toArray(), null)));
        Fx.snapshot(view);
        String css = ".token-strip-view .token-strip .token-piece { -fx-font-size: 22px; }"
                + " .token-strip-view .token-strip .token-id { -fx-font-size: 14px; }";
        Fx.run(() -> view.getStylesheets().add("data:text/css;base64,"
                + java.util.Base64.getEncoder().encodeToString(css.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        Fx.snapshot(view);
        List<String> outside = Fx.call(() -> {
            Node list = view.getCenter();
            Bounds room = list.localToScene(list.getLayoutBounds());
            List<String> found = new java.util.ArrayList<>();
            for (int i = n - 40; i < n; i++) {
                Node chip = view.chip(i);
                Bounds b = chip.localToScene(chip.getLayoutBounds());
                if (b.getMaxX() > room.getMaxX() + 0.5) {
                    found.add(i + " ends at " + b.getMaxX() + " of " + room.getMaxX());
                }
            }
            return found;
        });
        assertTrue(outside.isEmpty(), "chips past the list's right edge: " + outside);
    }

    /** The strip at the prompt pane's size: 320 px wide, 110 px high. */
    private void showLikeThePromptPane() {
        Fx.run(() -> {
            javafx.scene.layout.VBox box = new javafx.scene.layout.VBox(view);
            view.setPrefHeight(110);
            Fx.show(stage, box, 320, 300);
        });
    }
}
