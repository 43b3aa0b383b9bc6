package org.kvscope.viz.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.export.ChartExport;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** Renders every view into target/gallery.png for a human to review. */
@ExtendWith(ApplicationExtension.class)
class GalleryTest {
    private Gallery gallery;

    /**
     * Builds the gallery, a window's worth of views, and styles and lays it out in a scene: start-up, as a window
     * being built and shown is, so the FX stall check watches the export that follows (in a fresh JVM the first CSS
     * pass over every kind of view costs 0.4–0.8 s).
     */
    @Start
    void start(Stage stage) {
        gallery = new Gallery();
        new javafx.scene.Scene(gallery.root());
        gallery.root().applyCss();
        gallery.root().autosize();
        gallery.root().layout();
    }

    @Test
    void writesGalleryPng() throws Exception {
        Path file = Path.of("target", "gallery.png");
        ChartExport.png(gallery.root(), file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertTrue(img.getWidth() > 1200 && img.getHeight() > 1300, img.getWidth() + "x" + img.getHeight());
        int distinct = (int) java.util.stream.IntStream.range(0, 4000)
                .map(i -> img.getRGB(i * 7919 % img.getWidth(), i * 104729 % img.getHeight())).distinct().count();
        assertTrue(distinct > 50, "gallery has varied content, got " + distinct + " colours");
    }
}
