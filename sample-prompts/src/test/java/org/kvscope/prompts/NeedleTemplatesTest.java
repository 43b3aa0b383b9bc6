package org.kvscope.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NeedleTemplatesTest {

    @Test
    void enoughTemplatesPerStyle() {
        assertTrue(NeedleTemplates.forStyle("stories").size() >= 12);
        assertTrue(NeedleTemplates.forStyle("essays").size() >= 8);
    }

    @Test
    void setupStatesTheQuestionFollowedByTheAnswer() {
        for (NeedleTemplate t : NeedleTemplates.all()) {
            assertTrue(t.answer().startsWith(" ") && !t.answer().isBlank(), t.id() + ": answer needs a leading space");
            assertTrue(t.setup().contains(t.question() + t.answer()), t.id() + ": setup must contain question+answer");
            assertEquals(1, t.answerWord().split("\\s+").length, t.id() + ": answer must be one word");
        }
    }

    @Test
    void storyAnswersAreWordsTheTinyModelKnows() {
        var known = java.util.Set.of("Spot", "Max", "Tim", "Sue", "Ben", "Sam", "red", "blue", "green", "ball",
                "park", "tree");
        NeedleTemplates.forStyle("stories").forEach(t -> assertTrue(known.contains(t.answerWord()), t.id()));
    }

    @Test
    void badTemplatesAreRejected() {
        var unknown = assertThrows(IllegalArgumentException.class, () -> NeedleTemplates.byId("nope"));
        assertTrue(unknown.getMessage().contains("dog-name-spot"), unknown.getMessage());
        var dup = assertThrows(IllegalArgumentException.class, () -> NeedleTemplates.parse("""
                [{"id":"a","style":"stories","setup":"It was red.","question":"It was","answer":" red"},
                 {"id":"a","style":"stories","setup":"It was red.","question":"It was","answer":" red"}]""", "dup"));
        assertTrue(dup.getMessage().contains("duplicate"), dup.getMessage());
        var noAnswer = assertThrows(IllegalArgumentException.class,
                () -> new NeedleTemplate("x", "stories", "It was big.", "It was", " red"));
        assertTrue(noAnswer.getMessage().contains("setup must state the answer"), noAnswer.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NeedleTemplate("x", "poems", "red", "q", " red"));
    }
}
