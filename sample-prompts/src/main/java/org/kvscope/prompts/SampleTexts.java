package org.kvscope.prompts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Access to the bundled sample texts. Resource paths are relative to
 * {@code org/kvscope/prompts/} (for example {@code "haystack/stories-filler.txt"}).
 * Folder listings come from the bundled {@code index.txt}, so they work the same from a
 * directory, a jar or a jlinked image.
 */
public final class SampleTexts {
    /** Classpath root of every bundled resource. */
    public static final String ROOT = "org/kvscope/prompts/";
    private static final String INDEX = "index.txt";
    private static volatile List<String> index;

    private SampleTexts() {}

    /** Every resource path listed in the bundled index, in index order. */
    public static List<String> all() {
        List<String> cached = index;
        if (cached == null) {
            cached = read(INDEX).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            index = cached;
        }
        return cached;
    }

    /**
     * Resource paths directly inside {@code folder} (e.g. {@code "teaching"}), sorted.
     *
     * @throws IllegalArgumentException if the folder holds no bundled resource
     */
    public static List<String> list(String folder) {
        if (folder == null || folder.isBlank()) {
            throw new IllegalArgumentException("folder must be a non-blank name such as 'haystack'");
        }
        String prefix = folder.endsWith("/") ? folder : folder + "/";
        List<String> found = all().stream()
                .filter(p -> p.startsWith(prefix) && p.indexOf('/', prefix.length()) < 0)
                .sorted().toList();
        if (found.isEmpty()) {
            List<String> folders = all().stream().filter(p -> p.contains("/"))
                    .map(p -> p.substring(0, p.lastIndexOf('/'))).distinct().sorted().toList();
            throw new IllegalArgumentException("no sample texts in folder '" + folder + "'; folders: " + folders);
        }
        return found;
    }

    /**
     * The whole resource as strictly decoded UTF-8 text.
     *
     * @throws IllegalArgumentException if the resource does not exist or is not valid UTF-8
     */
    public static String read(String resourcePath) {
        if (resourcePath == null || resourcePath.isBlank()) {
            throw new IllegalArgumentException("resource path must be non-blank, e.g. 'haystack/stories-filler.txt'");
        }
        try (InputStream in = SampleTexts.class.getClassLoader().getResourceAsStream(ROOT + resourcePath)) {
            if (in == null) {
                throw new IllegalArgumentException("missing sample-prompts resource '" + resourcePath
                        + "' (looked for classpath:" + ROOT + resourcePath + ")");
            }
            byte[] bytes = in.readAllBytes();
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("resource '" + resourcePath + "' is not valid UTF-8", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource '" + resourcePath + "'", e);
        }
    }

    /** True if the resource exists on the classpath. */
    public static boolean exists(String resourcePath) {
        return resourcePath != null && SampleTexts.class.getClassLoader().getResource(ROOT + resourcePath) != null;
    }

    /** The sentences of one or more resources, in order (see {@link Sentences#split}). */
    public static List<String> sentences(List<String> resourcePaths) {
        return resourcePaths.stream().flatMap(p -> Sentences.split(read(p)).stream()).toList();
    }
}
