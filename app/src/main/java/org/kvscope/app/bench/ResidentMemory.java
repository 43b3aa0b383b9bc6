package org.kvscope.app.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The process's resident memory split as Linux reports it: anonymous pages (heap, KV cache,
 * scratch) versus file-backed pages (memory-mapped weights). Shows that mapped weights are not
 * copied: RssAnon stays small while RssFile holds the model.
 *
 * @param anonymousBytes RssAnon
 * @param fileBytes      RssFile
 */
public record ResidentMemory(long anonymousBytes, long fileBytes) {

    /** Reads /proc/self/status; empty where it does not exist (non-Linux). */
    public static java.util.Optional<ResidentMemory> read() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return java.util.Optional.empty();
        }
        try {
            var lines = Files.readAllLines(status);
            OptionalLong anon = field(lines, "RssAnon:"), file = field(lines, "RssFile:");
            if (anon.isEmpty() || file.isEmpty()) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new ResidentMemory(anon.getAsLong(), file.getAsLong()));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** The process's peak resident memory so far (VmHWM in /proc/self/status); empty where it is not reported. */
    public static OptionalLong peak() {
        try {
            return field(Files.readAllLines(Path.of("/proc/self/status")), "VmHWM:");
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private static OptionalLong field(java.util.List<String> lines, String name) {
        for (String l : lines) {
            if (l.startsWith(name)) {
                String[] parts = l.substring(name.length()).trim().split("\\s+");
                return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
            }
        }
        return OptionalLong.empty();
    }
}
