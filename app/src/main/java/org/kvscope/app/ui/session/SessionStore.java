package org.kvscope.app.ui.session;

import org.kvscope.app.report.AtomicFiles;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes {@link SessionState} JSON files; writes are atomic. Reading checks the file's
 * size before parsing and the whole structure after it, so that a session that loads is safe to
 * apply: every problem is reported with the JSON field it is in ({@code policies[1].values.budget}).
 */
public final class SessionStore {
    /** Largest session file read (a maximal prompt with its escapes fits well within it). */
    public static final long MAX_FILE_BYTES = 4L * 1024 * 1024;
    /** Largest prompt a session may hold, in characters; checked before anything tokenises it. */
    public static final int MAX_PROMPT_CHARS = 200_000;
    /** Sessions hold policy A and optionally policy B. */
    public static final int MAX_POLICIES = 2;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private SessionStore() {}

    public static void save(SessionState state, Path file) throws IOException {
        AtomicFiles.write(file, JSON.writeValueAsBytes(state));
    }

    /**
     * Reads and checks a session file.
     *
     * @throws IOException one line naming the file, the JSON field and what is valid, when the file is
     *                     missing, too large, not JSON, not a session, or holds a malformed field
     */
    public static SessionState load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("session file not found: " + file);
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException("session file " + file + " is " + size + " bytes; a session is at most "
                    + MAX_FILE_BYTES + " bytes (a prompt of at most " + MAX_PROMPT_CHARS + " characters)");
        }
        SessionState s;
        try {
            s = JSON.readValue(file.toFile(), SessionState.class);
        } catch (JsonMappingException e) {
            throw new IOException("not a kvscope session file: " + file + ": " + where(e.getPath(), e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new IOException("not a kvscope session file: " + file + " (" + e.getOriginalMessage() + ")");
        }
        if (s == null) {
            throw new IOException("not a kvscope session file: " + file + " (it holds null)");
        }
        String problem = problem(s);
        if (problem != null) {
            throw new IOException("session file " + file + ": " + problem);
        }
        return s;
    }

    /** The first structural problem of a parsed session, as "field: what is wrong", or null. */
    static String problem(SessionState s) {
        if (s.version() != SessionState.VERSION) {
            return "version: " + s.version() + " is not supported; expected " + SessionState.VERSION;
        }
        if (s.prompt() != null && s.prompt().length() > MAX_PROMPT_CHARS) {
            return "prompt: " + s.prompt().length() + " characters; at most " + MAX_PROMPT_CHARS + " are allowed";
        }
        if (s.modelPath() != null) {
            String bad = pathProblem(s.modelPath());
            if (bad != null) {
                return "modelPath: " + bad;
            }
        }
        if (s.cacheType() != null) {
            try {
                org.kvscope.kv.KvCacheType.parse(s.cacheType());
            } catch (IllegalArgumentException e) {
                return "cacheType: " + e.getMessage();
            }
        }
        List<SessionState.PolicySettings> ps = s.policies();
        if (ps == null || ps.isEmpty() || ps.size() > MAX_POLICIES) {
            return "policies: expected 1 or " + MAX_POLICIES + " policies (A, then B), found "
                    + (ps == null ? "none" : ps.size());
        }
        for (int i = 0; i < ps.size(); i++) {
            String bad = policyProblem(ps.get(i));
            if (bad != null) {
                return "policies[" + i + "]" + bad;
            }
        }
        return null;
    }

    private static String policyProblem(SessionState.PolicySettings p) {
        if (p == null) {
            return ": null; expected an object with \"policy\" and \"values\"";
        }
        if (p.policy() == null || p.policy().isBlank()) {
            return ".policy: missing; expected a policy name";
        }
        if (p.values() != null) {
            for (Map.Entry<String, String> e : p.values().entrySet()) {
                if (e.getValue() == null) {
                    return ".values." + e.getKey() + ": null; expected a value (or leave the parameter out for its default)";
                }
            }
        }
        return null;
    }

    private static String pathProblem(String path) {
        if (path.isBlank() || path.indexOf('\0') >= 0) {
            return "not a file path";
        }
        try {
            Path.of(path);
            return null;
        } catch (InvalidPathException e) {
            return "not a file path (" + e.getReason() + ")";
        }
    }

    /** "policies[1].values.budget: message" from a Jackson reference path. */
    static String where(List<JsonMappingException.Reference> path, String message) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : path) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        String first = message == null ? "malformed" : message.lines().findFirst().orElse("malformed");
        return (sb.isEmpty() ? "(top level)" : sb.toString()) + ": " + first;
    }
}
