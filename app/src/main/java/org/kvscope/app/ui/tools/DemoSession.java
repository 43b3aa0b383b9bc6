package org.kvscope.app.ui.tools;

import java.nio.file.Path;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.model.Model;

/** Drives a view model through load → prompt → run and waits for every view to be computed. */
final class DemoSession {
    private DemoSession() {}

    static void loadAndRun(WorkbenchViewModel vm, Path model, String prompt, boolean waitForEvaluation)
            throws Exception {
        FxRuntime.onFx(() -> { vm.openModel(model); return null; });
        FxRuntime.await("the model to load", () -> vm.model() != null || vm.statusProperty().get().startsWith("Not")
                || vm.statusProperty().get().startsWith("Cannot") || vm.statusProperty().get().startsWith("Unsupported"),
                60_000);
        if (FxRuntime.onFx(vm::model) == null) {
            throw new IllegalStateException(FxRuntime.onFx(() -> vm.statusProperty().get()));
        }
        FxRuntime.onFx(() -> {
            vm.promptProperty().set(prompt);
            vm.runPrompt();
            return null;
        });
        FxRuntime.await("the capture", () -> vm.capture() != null, 120_000);
        FxRuntime.await("the instant views", () -> vm.policies().stream().allMatch(p -> p.analysis() != null), 60_000);
        if (waitForEvaluation) {
            FxRuntime.await("perplexity and needle re-runs", () -> vm.policies().stream()
                    .allMatch(p -> p.evaluationsFinishedProperty().get() > 0
                            || p.evaluationStatusProperty().get().startsWith("re-run failed")), 300_000);
            for (var p : vm.policies()) {
                String status = FxRuntime.onFx(() -> p.evaluationStatusProperty().get());
                if (status.startsWith("re-run failed")) {
                    throw new IllegalStateException("policy " + p.label() + ": " + status);
                }
            }
        }
    }

    /** A prompt of about {@code tokens} tokens (specials included) made of repeated sample text. */
    static String promptOfTokens(Model model, String text, int tokens) {
        StringBuilder sb = new StringBuilder(text);
        while (model.tokenizer().encodeWithSpecials(sb.toString()).length < tokens) {
            sb.append(' ').append(text);
        }
        String[] words = sb.toString().split(" ");
        int lo = 1;
        int hi = words.length;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            String s = String.join(" ", java.util.Arrays.copyOf(words, mid));
            if (model.tokenizer().encodeWithSpecials(s).length <= tokens) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return String.join(" ", java.util.Arrays.copyOf(words, lo));
    }
}
