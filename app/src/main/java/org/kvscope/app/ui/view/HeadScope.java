package org.kvscope.app.ui.view;

/** Over which heads a token view takes its weights, kept shares or evictions. */
public enum HeadScope {
    HEAD("the selected layer and head"), LAYER("the selected layer's heads"), ALL("every layer and head");

    private final String label;

    HeadScope(String label) {
        this.label = label;
    }

    /** Whether (layer, head) is in this scope around the selected (layer, head). */
    public boolean covers(int layer, int head, int selectedLayer, int selectedHead) {
        return this == ALL || layer == selectedLayer && (this == LAYER || head == selectedHead);
    }

    @Override public String toString() { return label; }
}
