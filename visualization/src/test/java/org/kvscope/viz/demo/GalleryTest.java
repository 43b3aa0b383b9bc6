package org.kvscope.viz.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.kvscope.viz.export.ChartExport;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** Renders every view into target/gallery.png for a human to review. */
@ExtendWith(ApplicationExtension.class)
class GalleryTest {

    @Start
    void start(Stage stage) {
        // the FX toolkit is all this test needs
    }

    @Test
    void writesGalleryPng() throws Exception {
        Gallery gallery = Fx.call(Gallery::new);
        Path file = Path.of("target", "gallery.png");
        ChartExport.png(gallery.root(), file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertTrue(img.getWidth() > 1200 && img.getHeight() > 1300, img.getWidth() + "x" + img.getHeight());
        int distinct = (int) java.util.stream.IntStream.range(0, 4000)
                .map(i -> img.getRGB(i * 7919 % img.getWidth(), i * 104729 % img.getHeight())).distinct().count();
        assertTrue(distinct > 50, "gallery has varied content, got " + distinct + " colours");
    }
}
