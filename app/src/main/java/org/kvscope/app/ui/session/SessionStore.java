package org.kvscope.app.ui.session;

import org.kvscope.app.report.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and writes {@link SessionState} JSON files; writes are atomic. */
public final class SessionStore {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private SessionStore() {}

    public static void save(SessionState state, Path file) throws IOException {
        AtomicFiles.write(file, JSON.writeValueAsBytes(state));
    }

    /** @throws IOException naming the file when it is missing or not a session */
    public static SessionState load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("session file not found: " + file);
        }
        SessionState s;
        try {
            s = JSON.readValue(file.toFile(), SessionState.class);
        } catch (JsonProcessingException e) {
            throw new IOException("not a kvscope session file: " + file + " (" + e.getOriginalMessage() + ")");
        }
        if (s == null || s.version() != SessionState.VERSION || s.policies() == null || s.policies().isEmpty()) {
            throw new IOException("not a kvscope session file (version " + SessionState.VERSION
                    + " with at least one policy expected): " + file);
        }
        return s;
    }
}
