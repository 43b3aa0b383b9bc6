package org.kvscope.app.ui.vm;

import java.util.LinkedHashMap;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.TokenAttention;
import org.kvscope.model.Model;

/**
 * The token-centred view's state: the focused prompt token and the attention it pays and receives,
 * recorded by a background FullKV prefill of the captured prompt (the capture keeps exact rows only
 * for the last queries); the last few tokens' results are cached per capture.
 */
public final class TokenFocusViewModel {
    private static final int CACHED = 16;
    private final WorkbenchViewModel vm;
    private final IntegerProperty focus = new SimpleIntegerProperty(-1);
    private final ObjectProperty<TokenAttention> attention = new SimpleObjectProperty<>();
    private final LatestTask<TokenAttention> task = new LatestTask<>();
    private final Map<Integer, TokenAttention> cache = new LinkedHashMap<>(CACHED, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, TokenAttention> eldest) {
            return size() > CACHED;
        }
    };
    private CaptureRun cachedFor;

    public TokenFocusViewModel(WorkbenchViewModel vm) {
        this.vm = vm;
        vm.captureProperty().addListener((o, a, b) -> {
            focus.set(-1);
            refresh();
        });
        focus.addListener((o, a, b) -> refresh());
        task.resultProperty().addListener((o, a, t) -> {
            if (t != null && vm.capture() == cachedFor) {
                cache.put(t.token(), t);
                if (t.token() == focus.get()) {
                    attention.set(t);
                }
            }
        });
    }

    /** The focused prompt position (-1 for none). */
    public IntegerProperty focusProperty() { return focus; }

    /** What the focused token pays and receives (null until recorded, or without focus). */
    public ObjectProperty<TokenAttention> attentionProperty() { return attention; }

    public BooleanProperty runningProperty() { return task.runningProperty(); }

    public javafx.beans.property.StringProperty messageProperty() { return task.messageProperty(); }

    private void refresh() {
        CaptureRun run = vm.capture();
        Model model = vm.model();
        if (run != cachedFor) {
            cache.clear();
            cachedFor = run;
        }
        int t = focus.get();
        if (run == null || model == null || t < 0 || t >= run.promptTokens().length) {
            task.cancel();
            attention.set(null);
            return;
        }
        TokenAttention hit = cache.get(t);
        if (hit != null) {
            task.cancel();
            attention.set(hit);
            return;
        }
        attention.set(null);
        int[] prompt = run.promptTokens();
        task.start("attention of token " + t, (cancelled, progress) -> TokenAttention.record(model, prompt, t));
    }
}
