package org.kvscope.app.ui.vm;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;

/**
 * Undo and redo of policy changes (a parameter or the policy itself) across both panes, newest
 * first. Changes of the same parameter in quick succession (a slider drag) undo as one.
 */
public final class ParameterHistory {
    /** Successive changes of one parameter closer together than this merge into one undo step. */
    static final long MERGE_NANOS = 1_000_000_000L;
    private static final int LIMIT = 200;

    /** A policy and its values. */
    record State(String policy, Map<String, Object> values) {}

    private record Step(PolicyViewModel target, State before, State after, String parameter, long at) {}

    private final Deque<Step> undo = new ArrayDeque<>();
    private final Deque<Step> redo = new ArrayDeque<>();
    private final BooleanProperty canUndo = new SimpleBooleanProperty();
    private final BooleanProperty canRedo = new SimpleBooleanProperty();
    private boolean replaying;

    public ReadOnlyBooleanProperty canUndoProperty() { return canUndo; }
    public ReadOnlyBooleanProperty canRedoProperty() { return canRedo; }

    /** Reverts the newest change; false when there is none. */
    public boolean undo() {
        return move(undo, redo, true);
    }

    /** Re-applies the newest undone change; false when there is none. */
    public boolean redo() {
        return move(redo, undo, false);
    }

    /** Forgets everything (e.g. after a session is opened). */
    public void clear() {
        undo.clear();
        redo.clear();
        update();
    }

    void record(PolicyViewModel target, State before, State after, String parameter) {
        if (replaying || before.equals(after)) {
            return;
        }
        long now = System.nanoTime();
        Step top = undo.peek();
        if (top != null && parameter != null && top.target() == target && parameter.equals(top.parameter())
                && now - top.at() < MERGE_NANOS && top.after().policy().equals(before.policy())) {
            undo.pop();
            before = top.before();
        }
        undo.push(new Step(target, before, after, parameter, now));
        if (undo.size() > LIMIT) {
            undo.removeLast();
        }
        redo.clear();
        update();
    }

    private boolean move(Deque<Step> from, Deque<Step> to, boolean back) {
        Step s = from.poll();
        if (s == null) {
            return false;
        }
        replaying = true;
        try {
            s.target().apply(back ? s.before() : s.after());
        } finally {
            replaying = false;
        }
        to.push(new Step(s.target(), s.before(), s.after(), null, 0));
        update();
        return true;
    }

    private void update() {
        canUndo.set(!undo.isEmpty());
        canRedo.set(!redo.isEmpty());
    }
}
