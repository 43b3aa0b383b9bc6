package org.kvscope.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NeedleGeneratorTest {
    private static final List<String> STORY_FILLER = SampleTexts.sentences(List.of("haystack/stories-filler.txt"));
    private static final NeedleTemplate DOG = NeedleTemplates.byId("dog-name-spot");
    private static final NeedleTemplate BALL = NeedleTemplates.byId("ball-colour-red");
    private final NeedleGenerator generator = new NeedleGenerator(STORY_FILLER, WordCounter.WORDS);

    @Test
    void sameSeedSamePromptOtherSeedOtherPrompt() {
        NeedleCase a = generator.build(DOG, 96, 0.5, 7);
        assertEquals(a, generator.build(DOG, 96, 0.5, 7));
        assertNotEquals(a.prompt(), generator.build(DOG, 96, 0.5, 8).prompt());
    }

    @Test
    void depthZeroPutsTheNeedleFirst() {
        NeedleCase c = generator.build(DOG, 128, 0.0, 1);
        assertEquals(0, c.needleCharOffset());
        assertTrue(c.prompt().startsWith(DOG.setup()));
    }

    @Test
    void depthOnePutsTheNeedleRightBeforeTheQuestion() {
        NeedleCase c = generator.build(DOG, 128, 1.0, 1);
        assertEquals(c.needleCharOffset() + DOG.setup().length() + 1, c.questionCharOffset());
        assertTrue(c.prompt().endsWith(DOG.setup() + " " + DOG.question()));
    }

    @Test
    void depthHalfPutsTheNeedleInTheMiddleOfTheHaystack() {
        NeedleCase c = generator.build(DOG, 200, 0.5, 3);
        int before = Sentences.split(c.prompt().substring(0, c.needleCharOffset())).size();
        int after = Sentences.split(c.prompt().substring(c.needleCharOffset() + DOG.setup().length(),
                c.questionCharOffset())).size();
        assertTrue(Math.abs(before - after) <= 1, before + " sentences before, " + after + " after");
        assertTrue(before > 5, "haystack too small: " + before);
    }

    @Test
    void offsetsPointAtNeedleAndQuestion() {
        NeedleCase c = generator.build(BALL, 64, 0.25, 11);
        assertTrue(c.prompt().startsWith(BALL.setup(), c.needleCharOffset()));
        assertEquals(BALL.question(), c.prompt().substring(c.questionCharOffset()));
        assertEquals(BALL.answer(), c.answer());
        assertEquals(NeedleGenerator.ADHOC, c.suiteId());
    }

    @ParameterizedTest
    @ValueSource(ints = {24, 48, 64, 96, 128, 256, 480, 1000})
    void lengthLandsWithinOneSentenceOfTheTarget(int target) {
        int longest = STORY_FILLER.stream().mapToInt(WordCounter::count).max().orElseThrow();
        for (double depth : new double[] {0.0, 0.5, 1.0}) {
            NeedleCase c = generator.build(DOG, target, depth, target);
            int words = WordCounter.count(c.prompt());
            assertTrue(Math.abs(words - target) <= longest, target + " -> " + words);
        }
    }

    @Test
    void constantTokenizerOffsetSuchAsBosIsDiscounted() {
        NeedleGenerator withBos = new NeedleGenerator(STORY_FILLER, s -> 1 + WordCounter.count(s));
        int words = WordCounter.count(withBos.build(DOG, 128, 0.5, 5).prompt());
        assertTrue(Math.abs(words - 128) <= 12, "words " + words);
    }

    @Test
    void fillerNeverContainsTheAnswerWord() {
        Pattern anyAnswer = Pattern.compile("(?i)\\b(spot|red)\\b");
        assertTrue(STORY_FILLER.stream().anyMatch(s -> anyAnswer.matcher(s).find()),
                "fixture must contain answer words for this test to mean anything");
        for (NeedleTemplate t : List.of(DOG, BALL)) {
            Pattern answer = Pattern.compile("(?i)\\b" + t.answerWord() + "\\b");
            for (long seed = 0; seed < 10; seed++) {
                NeedleCase c = generator.build(t, 400, 0.5, seed);
                String haystack = c.prompt().substring(0, c.needleCharOffset())
                        + c.prompt().substring(c.needleCharOffset() + t.setup().length(), c.questionCharOffset());
                assertFalse(answer.matcher(haystack).find(), t.id() + " seed " + seed);
            }
        }
    }

    @Test
    void fillerCopyingTheQuestionIsDropped() {
        List<String> pool = List.of("The sky was blue.", "The dog's name was Rex.", "A cat sat down.");
        NeedleGenerator g = new NeedleGenerator(pool, WordCounter.WORDS);
        assertEquals(List.of("The sky was blue.", "A cat sat down."), g.usableFiller(DOG));
    }

    @Test
    void gridCoversEveryNeedleSuite() {
        for (SuiteDescriptor suite : Suites.all()) {
            if (suite.kind() != SuiteKind.NEEDLE) {
                continue;
            }
            List<NeedleCase> cases = NeedleGenerator.grid(suite, WordCounter.WORDS);
            assertEquals(suite.contextLengths().size() * suite.depths().size() * suite.templates().size(),
                    cases.size(), suite.id());
            for (NeedleCase c : cases) {
                assertEquals(suite.id(), c.suiteId());
                assertTrue(c.prompt().endsWith(NeedleTemplates.byId(c.templateId()).question()));
                assertTrue(Math.abs(WordCounter.count(c.prompt()) - c.targetTokens()) <= 40,
                        suite.id() + " " + c.targetTokens());
            }
        }
    }

    @Test
    void gridRejectsOtherKinds() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> NeedleGenerator.grid(Suites.byId("perplexity-essays"), WordCounter.WORDS));
        assertTrue(e.getMessage().contains("not a needle suite"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.01, 1.01, Double.NaN})
    void depthOutsideUnitIntervalIsRejected(double depth) {
        var e = assertThrows(IllegalArgumentException.class, () -> generator.build(DOG, 64, depth, 1));
        assertTrue(e.getMessage().contains("depth must be in [0, 1]"), e.getMessage());
    }

    @Test
    void targetShorterThanNeedleAndQuestionIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> generator.build(DOG, 5, 0.5, 1));
        assertTrue(e.getMessage().contains("smaller than needle + question"), e.getMessage());
    }

    @Test
    void fillerThatAlwaysMentionsTheAnswerIsRejected() {
        NeedleGenerator g = new NeedleGenerator(List.of("Spot ran.", "I saw Spot."), WordCounter.WORDS);
        var e = assertThrows(IllegalArgumentException.class, () -> g.build(DOG, 64, 0.5, 1));
        assertTrue(e.getMessage().contains("Spot"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NeedleGenerator(List.of(" "), WordCounter.WORDS));
    }
}
