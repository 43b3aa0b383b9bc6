package org.kvscope.app.ui.view;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.Node;
import javafx.scene.chart.XYChart;
import javafx.scene.image.WritableImage;
import javax.imageio.ImageIO;
import org.kvscope.app.ui.session.AtomicFiles;

/** Writes a view as PNG and a chart's data as CSV. */
public final class ChartExport {
    private ChartExport() {}

    /** Renders {@code node} as it is laid out now and writes a PNG (FX thread only). */
    public static void png(Node node, Path file) throws IOException {
        WritableImage img = node.snapshot(null, null);
        BufferedImage bi = SwingFXUtils.fromFXImage(img, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(bi, "png", out)) {
            throw new IOException("no PNG writer available");
        }
        AtomicFiles.write(file, out.toByteArray());
    }

    /** Every data point of the chart as {@code series,x,y} rows. */
    public static String csv(XYChart<?, ?> chart) {
        StringBuilder sb = new StringBuilder("series,x,y\n");
        for (XYChart.Series<?, ?> s : chart.getData()) {
            for (XYChart.Data<?, ?> d : s.getData()) {
                sb.append(cell(s.getName())).append(',').append(cell(d.getXValue())).append(',')
                        .append(cell(d.getYValue())).append('\n');
            }
        }
        return sb.toString();
    }

    /** A header and rows of values as CSV. */
    public static String csv(List<String> header, List<List<?>> rows) {
        StringBuilder sb = new StringBuilder(String.join(",", header.stream().map(ChartExport::cell).toList()))
                .append('\n');
        for (List<?> r : rows) {
            sb.append(String.join(",", r.stream().map(ChartExport::cell).toList())).append('\n');
        }
        return sb.toString();
    }

    public static void writeCsv(String csv, Path file) throws IOException {
        AtomicFiles.write(file, csv.getBytes(StandardCharsets.UTF_8));
    }

    private static String cell(Object v) {
        if (v == null) {
            return "";
        }
        String s = v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : v.toString();
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
