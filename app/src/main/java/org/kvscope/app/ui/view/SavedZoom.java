package org.kvscope.app.ui.view;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.value.ObservableBooleanValue;
import org.kvscope.app.ui.vm.KeyRange;
import org.kvscope.viz.view.AttentionHeatmapView;

/**
 * A heatmap page's zoom as a session setting: {@link #rangeProperty()} follows the keys the heatmap shows, and a
 * range set on it (from a session) is shown once the page is on screen with a map of the new capture and a size;
 * until then it waits, and is what a save writes. The page's other heatmaps follow through their shared controls.
 */
final class SavedZoom {
    private final AttentionHeatmapView heatmap;
    private final ObservableBooleanValue shown;
    private KeyRange pending;
    private boolean following;
    private final ObjectProperty<KeyRange> range = new SimpleObjectProperty<>(this, "range") {
        @Override
        protected void invalidated() {
            KeyRange value = get(); // valid again, so the next set is seen too
            if (!following) {
                pending = value;
                applyPending();
            }
        }
    };

    /** @param shown whether the heatmap's page is on screen (its map is then the current capture's) */
    SavedZoom(AttentionHeatmapView heatmap, ObservableBooleanValue shown) {
        this.heatmap = heatmap;
        this.shown = shown;
        heatmap.viewportProperty().addListener((o, a, v) -> follow(v));
        heatmap.mapProperty().addListener((o, a, m) -> applyPending());
        heatmap.widthProperty().addListener((o, a, w) -> applyPending());
        heatmap.heightProperty().addListener((o, a, h) -> applyPending());
        shown.addListener((o, a, on) -> applyPending());
    }

    /** The keys shown, or the range waiting to be shown; null before the heatmap has shown a map. */
    ObjectProperty<KeyRange> rangeProperty() { return range; }

    private void follow(AttentionHeatmapView.Viewport v) {
        if (pending != null || v == null) {
            return;
        }
        following = true;
        try {
            range.set(v.fit() ? KeyRange.WHOLE : KeyRange.of(v.keyFrom(), v.keyTo()));
        } finally {
            following = false;
        }
    }

    private void applyPending() {
        if (pending == null || !shown.get() || heatmap.mapProperty().get() == null || heatmap.getWidth() <= 1
                || heatmap.getHeight() <= 1) {
            return;
        }
        KeyRange r = pending;
        pending = null;
        if (r.whole()) {
            heatmap.fit();
        } else {
            heatmap.showKeys(r.from(), r.to());
        }
    }
}
