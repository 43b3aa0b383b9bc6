package org.kvscope.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the real model files that live beside a checkout in {@code ../shared/models}
 * (never inside the repository). Looks at {@code -Dkvscope.models}, then {@code $KVSCOPE_MODELS},
 * then walks up from the working directory checking {@code shared/models} and
 * {@code ../shared/models} at each level.
 */
public final class SharedModels {
    private SharedModels() {}

    /** The shared models directory, if one can be found. */
    public static Optional<Path> directory() {
        String prop = System.getProperty("kvscope.models");
        if (prop != null && Files.isDirectory(Path.of(prop))) {
            return Optional.of(Path.of(prop));
        }
        String env = System.getenv("KVSCOPE_MODELS");
        if (env != null && Files.isDirectory(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            for (Path candidate : new Path[] {p.resolve("shared/models"), p.resolveSibling("shared").resolve("models")}) {
                if (Files.isDirectory(candidate)) {
                    return Optional.of(candidate);
                }
            }
            p = p.getParent();
        }
        return Optional.empty();
    }

    /** A file in the shared models directory, if present. */
    public static Optional<Path> find(String fileName) {
        return directory().map(d -> d.resolve(fileName)).filter(Files::isRegularFile);
    }

    /** Message for tests that skip because a shared model file is absent. */
    public static String missingMessage(String fileName) {
        return "skipped: " + fileName + " not found in ../shared/models (set -Dkvscope.models=DIR to point at it)";
    }
}
