package org.kvscope.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuitesTest {
    private static final List<String> REQUIRED = List.of("needle-stories-short", "needle-stories-long",
            "needle-essays", "perplexity-stories", "perplexity-essays", "teaching-sinks", "teaching-funnelling");

    @Test
    void everyRequiredSuiteLoads() {
        assertTrue(Suites.ids().containsAll(REQUIRED), "suites present: " + Suites.ids());
        for (String id : REQUIRED) {
            assertEquals(id, Suites.byId(id).id());
        }
    }

    @Test
    void everyReferencedResourceExists() {
        for (SuiteDescriptor suite : Suites.all()) {
            assertFalse(suite.resources().isEmpty(), suite.id() + " refers to no resource");
            for (String path : suite.resources()) {
                assertTrue(SampleTexts.exists(path), suite.id() + " refers to missing " + path);
                assertFalse(SampleTexts.read(path).isBlank(), path + " is blank");
            }
        }
    }

    @Test
    void needleSuitesReferToTemplatesOfTheirStyle() {
        for (SuiteDescriptor suite : Suites.all()) {
            for (String id : suite.templates()) {
                assertEquals(suite.style(), NeedleTemplates.byId(id).style(), suite.id() + " / " + id);
            }
        }
    }

    @Test
    void requiredGridsMatchTheBrief() {
        SuiteDescriptor shortStories = Suites.byId("needle-stories-short");
        assertEquals(List.of(48, 64, 96, 128), shortStories.contextLengths());
        assertEquals(List.of(0.0, 0.25, 0.5, 0.75, 1.0), shortStories.depths());
        assertEquals(List.of(256, 384, 480), Suites.byId("needle-stories-long").contextLengths());
        assertEquals(List.of(512, 1024, 2048, 4096), Suites.byId("needle-essays").contextLengths());
        SuiteDescriptor ppl = Suites.byId("perplexity-stories");
        assertTrue(ppl.contextTokens() >= 400 && ppl.contextTokens() <= 500, "context " + ppl.contextTokens());
        assertTrue(ppl.contextTokens() + ppl.continuationTokens() <= 512, "must fit stories260K's 512 window");
        assertEquals(SuiteKind.TEACHING, Suites.byId("teaching-sinks").kind());
    }

    @Test
    void teachingPromptsHaveTextAndDescription() {
        for (SuiteDescriptor suite : Suites.all()) {
            for (TeachingPrompt p : suite.prompts()) {
                assertFalse(p.text().isBlank(), p.file());
                assertFalse(p.description().contains("\n"), "one-line description: " + p.file());
            }
        }
    }

    @Test
    void perplexityTextsLoad() {
        List<PerplexityText> texts = PerplexityText.load(Suites.byId("perplexity-stories"));
        assertEquals(3, texts.size());
        assertTrue(texts.getFirst().text().startsWith("Once upon a time"));
        var e = assertThrows(IllegalArgumentException.class, () -> PerplexityText.load(Suites.byId("teaching-sinks")));
        assertTrue(e.getMessage().contains("not a perplexity suite"), e.getMessage());
    }

    @Test
    void unknownIdListsValidIds() {
        var e = assertThrows(IllegalArgumentException.class, () -> Suites.byId("needle-nope"));
        assertTrue(e.getMessage().contains("needle-nope") && e.getMessage().contains("needle-stories-short"),
                e.getMessage());
    }

    @Test
    void invalidDescriptorsAreRejectedWithClearMessages() {
        String base = """
                {"id": "x", "title": "t", "description": "d", "kind": "needle", "style": "stories",
                 "contextLengths": [64], "depths": [%s], "templates": ["dog-name-spot"], "seed": 1,
                 "haystack": ["haystack/stories-filler.txt"]}""";
        assertEquals(64, Suites.parse(base.formatted("0.5"), "ok").contextLengths().getFirst());
        assertMessage(() -> Suites.parse(base.formatted("1.5"), "bad-depth"), "depth must be in [0, 1]");
        assertMessage(() -> Suites.parse(base.formatted("0.5").replace("\"stories\"", "\"poems\""), "bad-style"),
                "unknown style 'poems'");
        assertMessage(() -> Suites.parse(base.formatted("0.5").replace("\"needle\"", "\"quiz\""), "bad-kind"),
                "bad-kind");
        assertMessage(() -> Suites.parse(base.formatted("0.5").replace("\"seed\"", "\"sede\""), "typo"),
                "sede");
        assertMessage(() -> Suites.parse("""
                {"id": "p", "title": "t", "description": "d", "kind": "perplexity", "style": "essays",
                 "texts": ["perplexity/essay-markets.txt"], "contextTokens": 0, "continuationTokens": 8}""", "ppl"),
                "positive 'contextTokens'");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }
}
