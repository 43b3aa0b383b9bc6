package org.kvscope.app.ui.session;

import java.util.List;
import java.util.Map;

/**
 * A saved workbench session: which model and prompt, the two policies' settings, and the results
 * shown when it was saved.
 *
 * @param version   file format version ({@link #VERSION})
 * @param modelPath model file, or null when none was loaded
 * @param prompt    prompt text
 * @param policies  policy A then policy B
 * @param views     the analysis views' settings by name ({@code "pvc.k": "32"}); null in files saved
 *                  before views were saved (the views then keep their settings)
 * @param cacheType the KV cache type runs used (f32, f16, q8_0 or q4_0); null in files saved before it was
 *                  saved, which ran with f32
 */
public record SessionState(int version, String modelPath, String prompt, List<PolicySettings> policies,
                           Map<String, String> views, String cacheType) {
    public static final int VERSION = 1;

    /** A session without view settings. */
    public SessionState(int version, String modelPath, String prompt, List<PolicySettings> policies) {
        this(version, modelPath, prompt, policies, null);
    }

    /** A session without a cache type (f32). */
    public SessionState(int version, String modelPath, String prompt, List<PolicySettings> policies,
                        Map<String, String> views) {
        this(version, modelPath, prompt, policies, views, null);
    }

    /**
     * One policy's settings and, when it had been evaluated, its results.
     *
     * @param values  parameter values in text form
     * @param results null when nothing had been computed
     */
    public record PolicySettings(String policy, Map<String, String> values, Results results) {}

    /**
     * Results of a policy on the session's prompt.
     *
     * @param meanRecall        mean attention recall
     * @param meanPvcOverlap    mean PvC overlap
     * @param keptBytes         kept KV bytes
     * @param fullBytes         full KV bytes
     * @param recallByLayer     mean recall per layer
     * @param perplexity        perplexity under the policy, or null if not yet evaluated
     * @param baselinePerplexity FullKV perplexity, or null
     */
    public record Results(double meanRecall, double meanPvcOverlap, long keptBytes, long fullBytes,
                          double[] recallByLayer, Double perplexity, Double baselinePerplexity) {}
}
