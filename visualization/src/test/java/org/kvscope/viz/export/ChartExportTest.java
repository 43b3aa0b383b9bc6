package org.kvscope.viz.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.BudgetSchedule;
import org.kvscope.viz.view.AttentionHeatmapView;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class ChartExportTest {

    @Start
    void start(Stage stage) {
        // the FX toolkit is all these tests need
    }

    @Test
    void pngOfSceneLessViewFromTestThread(@TempDir Path dir) throws Exception {
        AttentionHeatmapView view = Fx.call(() -> {
            AttentionHeatmapView v = new AttentionHeatmapView();
            v.setPrefSize(200, 150);
            v.setMap(AttentionMap.selfAttention(new float[] {1, 0, 0.5f, 0.5f}, List.of("a", "b")));
            return v;
        });
        Path file = dir.resolve("nested/heatmap.png");
        ChartExport.png(view, file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(200, img.getWidth());
        assertEquals(150, img.getHeight());
        javafx.geometry.Point2D cell = Fx.call(() -> view.cellCenter(0, 0));
        int topLeftCell = img.getRGB((int) cell.getX(), (int) cell.getY());
        assertEquals(org.kvscope.viz.ColorScales.VIRIDIS.argbAt(1.0), topLeftCell, "heatmap pixels are in the PNG");
    }

    @Test
    void csvWritesRecordText(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("schedule.csv");
        ChartExport.csv(new BudgetSchedule(new int[] {8, 4}, "x"), file);
        assertEquals("layer,budget\n0,8\n1,4\n", Files.readString(file));
        assertTrue(Files.size(file) > 0);
    }
}
