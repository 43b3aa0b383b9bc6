package org.kvscope.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ResourceSanityTest {

    @Test
    void indexListsExactlyTheBundledFiles() throws IOException, URISyntaxException {
        Path root = Path.of(SampleTexts.class.getClassLoader().getResource(SampleTexts.ROOT + "index.txt").toURI())
                .getParent();
        List<String> onDisk;
        try (Stream<Path> files = Files.walk(root)) {
            onDisk = files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".class")).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals("index.txt")).sorted().toList();
        }
        assertEquals(onDisk, SampleTexts.all().stream().sorted().toList());
    }

    @Test
    void textsAreNonEmptyUtf8WithShortLines() {
        for (String path : SampleTexts.all()) {
            String text = SampleTexts.read(path);
            assertFalse(text.isBlank(), path);
            text.lines().forEach(l -> assertTrue(l.length() <= 2000, path + " has a line over 2000 chars"));
            assertFalse(text.contains("\uFFFD"), path + " contains a replacement character");
        }
    }

    @Test
    void haystackStoriesAndEssaysHaveTheAgreedSizes() {
        List<String> stories = prose("haystack", "stories-");
        List<String> essays = prose("haystack", "essays-");
        assertTrue(stories.size() >= 6, "stories: " + stories);
        assertTrue(essays.size() >= 4, "essays: " + essays);
        stories.forEach(p -> assertWords(p, 300, 700));
        essays.forEach(p -> assertWords(p, 600, 900));
        assertTrue(Sentences.split(SampleTexts.read("haystack/stories-filler.txt")).size() >= 80);
        assertTrue(Sentences.split(SampleTexts.read("haystack/essays-filler.txt")).size() >= 80);
    }

    @Test
    void fillerFilesHoldOneSentencePerLine() {
        for (String path : List.of("haystack/stories-filler.txt", "haystack/essays-filler.txt")) {
            long lines = SampleTexts.read(path).lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
            assertEquals(lines, Sentences.split(SampleTexts.read(path)).size(), path);
        }
    }

    @Test
    void perplexityTextsAreLongEnough() {
        List<String> stories = prose("perplexity", "story-");
        List<String> essays = prose("perplexity", "essay-");
        assertTrue(stories.size() >= 3 && essays.size() >= 2, "perplexity texts: " + stories + essays);
        stories.forEach(p -> assertWords(p, 400, 900));
        essays.forEach(p -> assertWords(p, 600, 1200));
    }

    @Test
    void listAndReadRejectUnknownNames() {
        assertEquals(5, SampleTexts.list("teaching").size());
        var folder = assertThrows(IllegalArgumentException.class, () -> SampleTexts.list("poems"));
        assertTrue(folder.getMessage().contains("haystack"), folder.getMessage());
        var file = assertThrows(IllegalArgumentException.class, () -> SampleTexts.read("haystack/nope.txt"));
        assertTrue(file.getMessage().contains("missing") && file.getMessage().contains("haystack/nope.txt"));
    }

    @Test
    void sentenceSplitterKeepsQuotesAndSkipsComments() {
        assertEquals(List.of("\"Look!\" said Tim.", "He ran.", "Then"),
                Sentences.split("# comment\n\"Look!\" said Tim.\n\nHe   ran. Then"));
    }

    private static List<String> prose(String folder, String prefix) {
        return SampleTexts.list(folder).stream()
                .filter(p -> p.startsWith(folder + "/" + prefix) && !p.endsWith("-filler.txt")).toList();
    }

    private static void assertWords(String path, int min, int max) {
        int words = WordCounter.count(SampleTexts.read(path));
        assertTrue(words >= min && words <= max, path + " has " + words + " words, expected " + min + ".." + max);
    }
}
