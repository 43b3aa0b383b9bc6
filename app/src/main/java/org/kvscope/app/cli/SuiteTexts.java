package org.kvscope.app.cli;

import org.kvscope.prompts.PerplexityText;
import org.kvscope.prompts.SampleTexts;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.prompts.SuiteKind;
import org.kvscope.prompts.Suites;

/** Looks up sample-prompts suites for the CLI, turning bad ids into usage errors. */
final class SuiteTexts {
    private SuiteTexts() {}

    static SuiteDescriptor suite(String id, SuiteKind... kinds) {
        SuiteDescriptor s;
        try {
            s = Suites.byId(id);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (kinds.length > 0 && java.util.Arrays.stream(kinds).noneMatch(k -> k == s.kind())) {
            throw new UsageException("suite '" + id + "' is a " + s.kind() + " suite; this needs one of "
                    + java.util.Arrays.toString(kinds) + " (" + String.join(", ", Suites.all().stream()
                    .filter(x -> java.util.Arrays.asList(kinds).contains(x.kind())).map(SuiteDescriptor::id).toList()) + ")");
        }
        return s;
    }

    /**
     * How many of a needle suite's templates option {@code name} asks for: 0 (all) up to the
     * suite's templates; a default above that is all of them.
     */
    static int templates(Args a, String name, int fallback, SuiteDescriptor suite) {
        int n = suite.templates().size();
        return a.integer(name, Math.min(fallback, n), 0, n, "suite " + suite.id() + " has " + n + " templates");
    }

    /** The first text of a perplexity or teaching suite. */
    static String firstText(String id) {
        SuiteDescriptor s = suite(id, SuiteKind.PERPLEXITY, SuiteKind.TEACHING);
        if (s.kind() == SuiteKind.PERPLEXITY) {
            return PerplexityText.load(s).get(0).text();
        }
        return SampleTexts.read(s.prompts().get(0).file());
    }
}
