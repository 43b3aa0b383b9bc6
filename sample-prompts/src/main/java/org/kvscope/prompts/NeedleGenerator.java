package org.kvscope.prompts;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

/**
 * Builds needle-in-a-haystack prompts: filler sentences in a seeded order, the needle setup
 * inserted at a sentence boundary at a given depth, and the question at the end. Sentences that
 * contain the template's answer word or its question are never used as filler.
 */
public final class NeedleGenerator {
    /** Suite id of cases built directly with {@link #build(NeedleTemplate, int, double, long)}. */
    public static final String ADHOC = "adhoc";

    private final List<String> fillerSentences;
    private final ToIntFunction<String> tokenCounter;
    private final int emptyCount;

    /**
     * @param fillerSentences the filler pool, one sentence per element
     * @param tokenCounter    the model tokenizer's token count for a string (a constant offset such as
     *                        a BOS token is allowed; it is measured on the empty string and discounted)
     */
    public NeedleGenerator(List<String> fillerSentences, ToIntFunction<String> tokenCounter) {
        if (fillerSentences == null || tokenCounter == null) {
            throw new IllegalArgumentException("filler sentences and token counter are required");
        }
        this.fillerSentences = fillerSentences.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (this.fillerSentences.isEmpty()) {
            throw new IllegalArgumentException("filler pool is empty; give at least one non-blank sentence");
        }
        this.tokenCounter = tokenCounter;
        this.emptyCount = tokenCounter.applyAsInt("");
    }

    /** Throws unless {@code depth} is a number in [0, 1]. */
    public static double requireDepth(double depth) {
        if (!(depth >= 0.0 && depth <= 1.0)) {
            throw new IllegalArgumentException("depth must be in [0, 1] (0 = needle first, 1 = needle just before "
                    + "the question), got " + depth);
        }
        return depth;
    }

    /** {@link #build(String, NeedleTemplate, int, double, long)} with suite id {@link #ADHOC}. */
    public NeedleCase build(NeedleTemplate template, int targetTokens, double depth, long seed) {
        return build(ADHOC, template, targetTokens, depth, seed);
    }

    /**
     * One prompt of about {@code targetTokens} tokens (within one filler sentence of the target).
     * Deterministic for a seed; with the same seed, a longer prompt's haystack extends a shorter one's.
     *
     * @param depth 0 = needle first, 1 = needle right before the question
     * @throws IllegalArgumentException for a depth outside [0, 1], a target smaller than needle + question,
     *                                  or when every filler sentence mentions the answer
     */
    public NeedleCase build(String suiteId, NeedleTemplate template, int targetTokens, double depth, long seed) {
        requireDepth(depth);
        List<String> pool = usableFiller(template);
        int fixed = count(template.setup() + " " + template.question());
        if (targetTokens < fixed) {
            throw new IllegalArgumentException("target length " + targetTokens + " tokens is smaller than needle + "
                    + "question of template '" + template.id() + "' (" + fixed + " tokens)");
        }
        SentenceStream stream = new SentenceStream(pool, new Random(seed));
        List<String> haystack = new ArrayList<>();
        int estimate = fixed;
        while (estimate < targetTokens) {
            String s = stream.next();
            haystack.add(s);
            estimate += count(" " + s);
        }
        int exact = count(assemble(suiteId, template, targetTokens, depth, haystack).prompt());
        while (exact < targetTokens) {
            haystack.add(stream.next());
            exact = count(assemble(suiteId, template, targetTokens, depth, haystack).prompt());
        }
        while (!haystack.isEmpty()) {
            int shorter = count(assemble(suiteId, template, targetTokens, depth, withoutLast(haystack)).prompt());
            if (shorter >= targetTokens || targetTokens - shorter < exact - targetTokens) {
                haystack.removeLast();
                exact = shorter;
                if (shorter < targetTokens) {
                    break;
                }
            } else {
                break;
            }
        }
        return assemble(suiteId, template, targetTokens, depth, haystack);
    }

    /**
     * Every case of a needle suite: context lengths × depths × templates, in that nesting order. All
     * cases use the suite seed, so at one length and template only the needle position differs.
     *
     * @throws IllegalArgumentException if the suite is not a needle suite, names an unknown template or one
     *                                  of another style, or a length is too short for a template
     */
    public static List<NeedleCase> grid(SuiteDescriptor suite, ToIntFunction<String> tokenCounter) {
        if (suite.kind() != SuiteKind.NEEDLE) {
            throw new IllegalArgumentException("suite '" + suite.id() + "' is a " + suite.kind()
                    + " suite, not a needle suite");
        }
        List<NeedleTemplate> templates = suite.templates().stream().map(NeedleTemplates::byId).toList();
        for (NeedleTemplate t : templates) {
            if (!t.style().equals(suite.style())) {
                throw new IllegalArgumentException("suite '" + suite.id() + "' (" + suite.style()
                        + ") uses template '" + t.id() + "' of style " + t.style());
            }
        }
        NeedleGenerator generator = new NeedleGenerator(SampleTexts.sentences(suite.haystack()), tokenCounter);
        List<NeedleCase> cases = new ArrayList<>();
        for (int length : suite.contextLengths()) {
            for (double depth : suite.depths()) {
                for (NeedleTemplate t : templates) {
                    cases.add(generator.build(suite.id(), t, length, depth, suite.seed()));
                }
            }
        }
        return List.copyOf(cases);
    }

    /** The filler sentences allowed with this template (no answer word, no copy of the question). */
    List<String> usableFiller(NeedleTemplate template) {
        Pattern answer = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(template.answerWord())
                + "(?![\\p{L}\\p{N}])", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        String question = template.question().strip().toLowerCase(Locale.ROOT);
        List<String> pool = fillerSentences.stream()
                .filter(s -> !answer.matcher(s).find() && !s.toLowerCase(Locale.ROOT).contains(question))
                .toList();
        if (pool.isEmpty()) {
            throw new IllegalArgumentException("every filler sentence mentions the answer '" + template.answerWord()
                    + "' or the question of template '" + template.id() + "'; add other filler");
        }
        return pool;
    }

    private int count(String text) {
        return tokenCounter.applyAsInt(text) - emptyCount;
    }

    private static List<String> withoutLast(List<String> list) {
        return list.subList(0, list.size() - 1);
    }

    private static NeedleCase assemble(String suiteId, NeedleTemplate t, int targetTokens, double depth,
                                       List<String> haystack) {
        int insertAt = (int) Math.round(depth * haystack.size());
        StringBuilder prompt = new StringBuilder();
        int needleOffset = -1;
        for (int i = 0; i <= haystack.size(); i++) {
            if (i == insertAt) {
                needleOffset = append(prompt, t.setup().strip());
            }
            if (i < haystack.size()) {
                append(prompt, haystack.get(i));
            }
        }
        int questionOffset = append(prompt, t.question().strip());
        return new NeedleCase(suiteId, t.id(), targetTokens, depth, prompt.toString(), t.answer(),
                needleOffset, questionOffset);
    }

    private static int append(StringBuilder sb, String sentence) {
        if (!sb.isEmpty()) {
            sb.append(' ');
        }
        int at = sb.length();
        sb.append(sentence);
        return at;
    }

    /** Endless seeded stream over the pool: each pass is a fresh shuffle. */
    private static final class SentenceStream {
        private final List<String> pool;
        private final Random random;
        private List<String> pass = List.of();
        private int next;

        SentenceStream(List<String> pool, Random random) {
            this.pool = pool;
            this.random = random;
        }

        String next() {
            if (next == pass.size()) {
                List<String> shuffled = new ArrayList<>(pool);
                Collections.shuffle(shuffled, random);
                if (!pass.isEmpty() && shuffled.size() > 1 && shuffled.getFirst().equals(pass.getLast())) {
                    Collections.swap(shuffled, 0, shuffled.size() - 1);
                }
                pass = shuffled;
                next = 0;
            }
            return pass.get(next++);
        }
    }
}
