package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Terms the project spells one way everywhere (issue 13: "Funneling" and "Funnelling" both appeared): in the docs,
 * the README and every module's sources and resources (view titles, CLI output keys, suite ids and file names).
 */
class SpellingTest {
    /** The spelling not to use, and the one to use instead. */
    private record Variant(String wrong, String right) {}

    private static final List<Variant> VARIANTS = List.of(new Variant("funneling", "funnelling"));

    @Test
    void eachTermHasOneSpelling() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("docs/WORKBENCH.md"))) {
            root = root.getParent();
        }
        List<String> found;
        try (Stream<Path> files = Files.walk(root)) {
            found = files.filter(SpellingTest::checked).flatMap(SpellingTest::misspellings).sorted().toList();
        }
        assertEquals(List.of(), found);
    }

    private static boolean checked(Path p) {
        String s = p.toString().replace('\\', '/');
        return !s.endsWith("/SpellingTest.java") && !s.contains("/target/") && !s.contains("/.git/") && !s.contains("/node_modules/")
                && (s.contains("/docs/") || s.endsWith("/README.md") || s.contains("/src/"))
                && (s.endsWith(".java") || s.endsWith(".md") || s.endsWith(".json") || s.endsWith(".txt")
                || s.endsWith(".css") || s.endsWith(".csv"));
    }

    private static Stream<String> misspellings(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        String text;
        try {
            text = Files.readString(p, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            return Stream.of(p + ": unreadable (" + e.getMessage() + ")");
        }
        return VARIANTS.stream().filter(v -> name.contains(v.wrong()) || text.contains(v.wrong()))
                .map(v -> p + ": '" + v.wrong() + "' (spell it '" + v.right() + "')");
    }
}
