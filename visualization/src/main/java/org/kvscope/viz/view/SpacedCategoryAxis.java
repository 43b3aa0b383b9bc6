package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javafx.scene.chart.Axis;
import javafx.scene.text.Font;

/**
 * An axis of distinct categories (e.g. heads) that makes tick marks and labels only for every n-th category, n the
 * smallest stride at which the widest label fits with {@link #LABEL_GAP} to spare; every category keeps its position.
 * JavaFX's CategoryAxis (final) makes a label node per category, 100–180 ms of FX-thread time for the 270 heads of a
 * SmolLM2-135M-sized model, and checks its list for duplicates once per added category, cubic in their number
 * (another 150–280 ms); this axis holds only the labels that fit along it and is told its categories at once.
 */
final class SpacedCategoryAxis extends Axis<String> {
    /** Least space between two labels, in pixels. */
    static final double LABEL_GAP = 3;
    /** Space before the first and after the last category, in pixels (CategoryAxis's default). */
    private static final double MARGIN = 5;

    /** The widest label along the axis and the label tallest across it, for one list, rotation and font. */
    private record Measured(List<String> categories, double rotation, Font font, double widest, String tallest) {
    }

    private List<String> categories = List.of();
    private Map<String, Integer> index = Map.of();
    private Measured measured;

    SpacedCategoryAxis() {
        setAutoRanging(false);
        // after each layout (its font, size or categories changed), hide what still overlaps or lies off the axis
        needsLayoutProperty().addListener((o, was, needs) -> {
            if (!needs) {
                spaceLabels(this);
            }
        });
    }

    /** Replaces the categories (distinct), in axis order. */
    void setCategories(List<String> newCategories) {
        List<String> copy = List.copyOf(newCategories);
        Map<String, Integer> at = new HashMap<>();
        for (int i = 0; i < copy.size(); i++) {
            if (at.put(copy.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate category " + copy.get(i));
            }
        }
        categories = copy;
        index = at;
        invalidateRange();
        requestAxisLayout();
    }

    /** The categories in axis order. */
    List<String> getCategories() {
        return categories;
    }

    /** The distance between two neighbouring categories, in pixels. */
    double getCategorySpacing() {
        return spacing(length());
    }

    private double length() {
        return vertical() ? getHeight() : getWidth();
    }

    private boolean vertical() {
        return getSide() != null && getSide().isVertical();
    }

    private double spacing(double length) {
        return categories.isEmpty() ? 0 : (length - 2 * MARGIN) / categories.size();
    }

    @Override
    protected Object autoRange(double length) {
        return getRange();
    }

    @Override
    protected void setRange(Object range, boolean animate) {
        // the range is the categories, set by setCategories
    }

    @Override
    protected Object getRange() {
        return categories;
    }

    @Override
    public double getZeroPosition() {
        return Double.NaN;
    }

    @Override
    public double getDisplayPosition(String value) {
        Integer i = index.get(value);
        if (i == null) {
            return Double.NaN;
        }
        double length = length();
        double along = MARGIN + spacing(length) * (i + 0.5);
        return vertical() ? length - along : along;
    }

    @Override
    public String getValueForDisplay(double position) {
        if (categories.isEmpty()) {
            return null;
        }
        double length = length();
        double along = vertical() ? length - position : position;
        int i = (int) Math.floor((along - MARGIN) / spacing(length));
        return categories.get(Math.clamp(i, 0, categories.size() - 1));
    }

    @Override
    public boolean isValueOnAxis(String value) {
        return index.containsKey(value);
    }

    @Override
    public double toNumericValue(String value) {
        Integer i = index.get(value);
        return i == null ? Double.NaN : i;
    }

    @Override
    public String toRealValue(double value) {
        int i = (int) Math.round(value);
        return i >= 0 && i < categories.size() ? categories.get(i) : null;
    }

    @Override
    protected String getTickMarkLabel(String value) {
        return value;
    }

    /**
     * Every n-th category from the first, n the smallest stride at which the labels do not overlap; without a length
     * (a preferred size being computed) only the label tallest across the axis, which is all that size depends on.
     */
    @Override
    protected List<String> calculateTickValues(double length, Object range) {
        if (categories.size() < 2) {
            return categories;
        }
        Measured m = measured();
        if (length <= 0) {
            return List.of(m.tallest());
        }
        double spacing = spacing(length);
        int stride = spacing <= 0 ? categories.size() : (int) Math.floor((m.widest() + LABEL_GAP) / spacing) + 1;
        List<String> ticks = new ArrayList<>();
        for (int i = 0; i < categories.size(); i += stride) {
            ticks.add(categories.get(i));
        }
        return ticks;
    }

    /** The label sizes, measured again only when the categories, the rotation or the font changed. */
    private Measured measured() {
        double rotation = getTickLabelRotation();
        Font font = getTickLabelFont();
        if (measured == null || measured.categories() != categories || measured.rotation() != rotation
                || !measured.font().equals(font)) {
            double widest = 0;
            double tallestSize = -1;
            String tallest = categories.getFirst();
            for (String c : categories) {
                javafx.geometry.Dimension2D size = measureTickMarkSize(c, rotation);
                double along = vertical() ? size.getHeight() : size.getWidth();
                double across = vertical() ? size.getWidth() : size.getHeight();
                widest = Math.max(widest, along);
                if (across > tallestSize) {
                    tallestSize = across;
                    tallest = c;
                }
            }
            measured = new Measured(categories, rotation, font, widest, tallest);
        }
        return measured;
    }

    /**
     * Of the tick labels made, draws every n-th one lying on the axis at the smallest stride whose labels do not
     * overlap, the first one included; labels off the axis are hidden. Runs after each layout of the axis: JavaFX's
     * own skipping keeps the labels it hid and hides more on each new layout (after a few resizes 3 of 8 heads were
     * labelled).
     */
    private static void spaceLabels(Axis<String> axis) {
        if (!axis.isTickLabelsVisible()) {
            return;
        }
        List<javafx.scene.text.Text> all = axis.getChildrenUnmodifiable().stream()
                .filter(javafx.scene.text.Text.class::isInstance).map(javafx.scene.text.Text.class::cast).toList();
        List<javafx.scene.text.Text> labels = all.stream().filter(t -> onAxis(t, axis.getWidth()))
                .sorted(Comparator.comparingDouble(t -> t.getBoundsInParent().getMinX())).toList();
        int stride = 1;
        while (stride < labels.size() && overlaps(labels, stride)) {
            stride++;
        }
        java.util.Set<javafx.scene.text.Text> drawn = new java.util.HashSet<>();
        for (int i = 0; i < labels.size(); i += stride) {
            drawn.add(labels.get(i));
        }
        all.forEach(t -> t.setVisible(drawn.contains(t))); // each set once: no change, no new layout
    }

    /** Whether a label's centre lies on an axis {@code width} wide (a label of a removed category has none). */
    private static boolean onAxis(javafx.scene.text.Text t, double width) {
        javafx.geometry.Bounds b = t.getBoundsInParent();
        double centre = (b.getMinX() + b.getMaxX()) / 2;
        return !b.isEmpty() && centre >= 0 && centre <= width;
    }

    /** Whether labels {@code stride} apart would be closer than {@link #LABEL_GAP}. */
    private static boolean overlaps(List<javafx.scene.text.Text> labels, int stride) {
        for (int i = 0; i + stride < labels.size(); i += stride) {
            if (labels.get(i + stride).getBoundsInParent().getMinX() - labels.get(i).getBoundsInParent().getMaxX()
                    < LABEL_GAP) {
                return true;
            }
        }
        return false;
    }

}
