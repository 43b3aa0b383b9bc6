package org.kvscope.app.ui.view;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javafx.application.Platform;
import org.kvscope.kv.PolicyPlugins;

/**
 * The workbench's File ▸ Load policy plugins…: the jars of a directory are loaded off the FX
 * thread (as {@code --plugins DIR} does at start), then, on the FX thread, the policy pickers list
 * the new policies, whose controls come from their declared parameters like a built-in's.
 */
final class PluginLoading {
    private PluginLoading() {}

    /**
     * Loads {@code dir}'s plugin jars in the background and runs {@code refresh} on the FX thread once
     * they are registered; completes (after {@code refresh}) with what was loaded and each problem.
     */
    static CompletableFuture<PolicyPlugins.Report> load(Path dir, Runnable refresh) {
        CompletableFuture<PolicyPlugins.Report> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("kvscope-plugins").start(() -> {
            PolicyPlugins.Report report;
            try {
                report = PolicyPlugins.load(dir);
            } catch (RuntimeException | LinkageError e) {
                report = new PolicyPlugins.Report(List.of(), List.of("plugin directory " + dir + ": " + e));
            }
            PolicyPlugins.Report r = report;
            Platform.runLater(() -> {
                try {
                    refresh.run();
                } finally {
                    done.complete(r);
                }
            });
        });
        return done;
    }

    /** What a load did, for the dialog: the policies added, then one line per problem (each naming its jar). */
    static String summary(Path dir, PolicyPlugins.Report r) {
        List<String> lines = new ArrayList<>();
        lines.add(r.policies().isEmpty() ? "No new policy in " + dir + "."
                : "Loaded from " + dir + ": " + String.join(", ", r.policies()) + ". Pick them in policy A or B.");
        r.problems().forEach(p -> lines.add("Skipped: " + p));
        return String.join("\n", lines);
    }
}
