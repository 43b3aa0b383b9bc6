package org.kvscope.prompts;

import java.util.List;

/**
 * An evaluation suite as read from {@code suites/*.json}. Fields that do not belong to the
 * suite's {@link SuiteKind} are empty lists or zero.
 *
 * @param id                 unique id, equal to the file name without {@code .json}
 * @param title              short human title
 * @param description        what the suite shows and for which model
 * @param kind               needle, perplexity or teaching
 * @param style              {@code stories} or {@code essays} (see {@link TextStyle})
 * @param contextLengths     needle: target prompt lengths in tokens
 * @param depths             needle: needle positions, 0 = start of haystack, 1 = just before the question
 * @param templates          needle: ids of {@link NeedleTemplate}s to plant
 * @param seed               needle: base seed for the haystack order
 * @param haystack           needle: resources whose sentences form the filler pool
 * @param texts              perplexity: resource paths of the texts
 * @param contextTokens      perplexity: tokens fed as context
 * @param continuationTokens perplexity: tokens scored after the context
 * @param prompts            teaching: the prompt files with one-line descriptions
 */
public record SuiteDescriptor(String id, String title, String description, SuiteKind kind, String style,
                              List<Integer> contextLengths, List<Double> depths, List<String> templates, long seed,
                              List<String> haystack, List<String> texts, int contextTokens, int continuationTokens,
                              List<TeachingPrompt> prompts) {
    public SuiteDescriptor {
        contextLengths = contextLengths == null ? List.of() : List.copyOf(contextLengths);
        depths = depths == null ? List.of() : List.copyOf(depths);
        templates = templates == null ? List.of() : List.copyOf(templates);
        haystack = haystack == null ? List.of() : List.copyOf(haystack);
        texts = texts == null ? List.of() : List.copyOf(texts);
        prompts = prompts == null ? List.of() : List.copyOf(prompts);
        validate(id, title, description, kind, style, contextLengths, depths, templates, haystack, texts,
                contextTokens, continuationTokens, prompts);
    }

    private static void validate(String id, String title, String description, SuiteKind kind, String style,
                                 List<Integer> contextLengths, List<Double> depths, List<String> templates,
                                 List<String> haystack, List<String> texts, int contextTokens,
                                 int continuationTokens, List<TeachingPrompt> prompts) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("suite needs a non-blank 'id'");
        }
        String where = "suite '" + id + "'";
        require(title != null && !title.isBlank(), where + " needs a 'title'");
        require(description != null && !description.isBlank(), where + " needs a 'description'");
        require(kind != null, where + " needs a 'kind' (needle | perplexity | teaching)");
        TextStyle.require(style, where);
        switch (kind) {
            case NEEDLE -> {
                require(!contextLengths.isEmpty(), where + " needs non-empty 'contextLengths' (tokens)");
                contextLengths.forEach(n -> require(n != null && n > 0,
                        where + ": context lengths must be positive token counts, got " + n));
                require(!depths.isEmpty(), where + " needs non-empty 'depths' in [0, 1]");
                depths.forEach(d -> NeedleGenerator.requireDepth(d == null ? Double.NaN : d));
                require(!templates.isEmpty(), where + " needs non-empty 'templates' (needle template ids)");
                require(!haystack.isEmpty(), where + " needs non-empty 'haystack' (filler resource paths)");
            }
            case PERPLEXITY -> {
                require(!texts.isEmpty(), where + " needs non-empty 'texts' (resource paths)");
                require(contextTokens > 0, where + " needs positive 'contextTokens', got " + contextTokens);
                require(continuationTokens > 0,
                        where + " needs positive 'continuationTokens', got " + continuationTokens);
            }
            case TEACHING -> require(!prompts.isEmpty(), where + " needs non-empty 'prompts' ({file, description})");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Every resource path this suite refers to (haystack, texts and teaching prompt files). */
    public List<String> resources() {
        return java.util.stream.Stream.of(haystack.stream(), texts.stream(), prompts.stream().map(TeachingPrompt::file))
                .flatMap(s -> s).toList();
    }
}
