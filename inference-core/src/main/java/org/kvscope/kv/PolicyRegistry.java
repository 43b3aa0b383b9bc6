package org.kvscope.kv;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.kvscope.kv.spi.PolicyProvider;

/**
 * Finds compression policies by name. Policies come from {@link PolicyProvider}s found with
 * {@link ServiceLoader}: the built-in ones (listed in inference-core's {@code META-INF/services}),
 * any on the class path, and plugin jars loaded by {@link PolicyPlugins}. Adding a built-in policy
 * is one class plus one provider line in {@link BuiltinPolicies} and the services file.
 */
public final class PolicyRegistry {
    /** Where built-in policies come from ({@link Entry#origin()}). */
    public static final String BUILT_IN = "built-in";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");

    /**
     * A registered policy: name, one-line description, declared parameters, a factory, and where
     * it came from ({@link #BUILT_IN}, or the jar file of a plugin).
     */
    public record Entry(String name, String description, Supplier<List<ParameterSpec>> specs,
                        Function<PolicyParameters, CompressionPolicy> factory, String origin) {
        public Entry(String name, String description, Supplier<List<ParameterSpec>> specs,
                     Function<PolicyParameters, CompressionPolicy> factory) {
            this(name, description, specs, factory, BUILT_IN);
        }

        public List<ParameterSpec> parameters() { return specs.get(); }

        /** True for a policy that came from a plugin jar or the class path, not kvscope itself. */
        public boolean isPlugin() { return !BUILT_IN.equals(origin); }
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();
    private static final List<String> PROBLEMS = new ArrayList<>();

    static {
        discover(PolicyRegistry.class.getClassLoader(), null, new ArrayList<>(), PROBLEMS);
    }

    private PolicyRegistry() {}

    /** Adds a policy (replacing one of the same name). */
    public static synchronized void register(Entry entry) {
        ENTRIES.put(entry.name(), entry);
    }

    /** Removes the policy registered as {@code name}, if any (a test that loads throw-away plugins puts the registry back). */
    public static synchronized void unregister(String name) {
        ENTRIES.remove(name);
    }

    public static synchronized List<Entry> entries() {
        return new ArrayList<>(ENTRIES.values());
    }

    /** Problems met while discovering the class path's providers (plugin jars report their own). */
    public static synchronized List<String> problems() {
        return List.copyOf(PROBLEMS);
    }

    public static synchronized Entry entry(String name) {
        Entry e = ENTRIES.get(name == null ? "" : name.toLowerCase(Locale.ROOT));
        if (e == null) {
            throw new IllegalArgumentException("unknown policy '" + name + "'; valid: "
                    + String.join(", ", ENTRIES.keySet()));
        }
        return e;
    }

    /**
     * A configured policy instance.
     *
     * @param values parameter values by name (Strings from the CLI or typed values); missing ones
     *               take their defaults
     * @throws IllegalArgumentException for an unknown policy or parameter, or a bad value
     * @throws IllegalStateException    when a plugin's policy fails to construct (the message
     *                                  names the plugin)
     */
    public static CompressionPolicy create(String name, Map<String, ?> values) {
        Entry e = entry(name);
        PolicyParameters params = PolicyParameters.of(e.parameters(), values);
        if (!e.isPlugin()) {
            return e.factory().apply(params);
        }
        try {
            CompressionPolicy p = e.factory().apply(params);
            if (p == null) {
                throw new IllegalStateException(describe(e.name()) + " returned no policy from create()");
            }
            return p;
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(ex.getMessage() + " (" + describe(e.name()) + ")", ex);
        } catch (RuntimeException | LinkageError ex) {
            throw failure(e.name(), "in its constructor", ex);
        }
    }

    /** "policy 'x'" for a built-in, "policy 'x' (plugin foo.jar)" for a plugin's. */
    public static synchronized String describe(String name) {
        Entry e = ENTRIES.get(name);
        return "policy '" + name + "'" + (e != null && e.isPlugin() ? " (plugin " + e.origin() + ")" : "");
    }

    /** The one-line error for a policy that threw or misbehaved. */
    static IllegalStateException failure(String name, String what, Throwable t) {
        return new IllegalStateException(describe(name) + " failed " + what + ": " + summary(t), t);
    }

    static String summary(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage();
        return root.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg.strip().lines().findFirst().orElse(""));
    }

    /**
     * Registers every provider the loader's {@code META-INF/services} lists; with {@code origin}
     * set, only those whose class the loader itself defines (a plugin jar's, not its parent's).
     * One bad provider is reported in {@code problems} and skipped; the others still register.
     */
    static synchronized void discover(ClassLoader loader, String origin, List<String> added, List<String> problems) {
        Iterator<PolicyProvider> it = ServiceLoader.load(PolicyProvider.class, loader).iterator();
        String where = origin == null ? "class path" : "plugin " + origin;
        for (int guard = 0; guard < 10_000; guard++) {
            PolicyProvider p;
            try {
                if (!it.hasNext()) {
                    return;
                }
                p = it.next();
            } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                problems.add(where + ": " + providerProblem(e) + "; skipped");
                continue;
            }
            if (origin != null && p.getClass().getClassLoader() != loader) {
                continue;
            }
            String entryOrigin = origin != null ? origin
                    : p.getClass().getName().startsWith("org.kvscope.kv.") ? BUILT_IN
                    : "class path " + p.getClass().getName();
            try {
                Entry e = entryOf(p, entryOrigin);
                if (ENTRIES.containsKey(e.name())) {
                    Entry old = ENTRIES.get(e.name());
                    problems.add(where + ": policy '" + e.name() + "' is already provided by "
                            + (old.isPlugin() ? "plugin " + old.origin() : "kvscope") + "; skipped");
                    continue;
                }
                register(e);
                added.add(e.name());
            } catch (RuntimeException | LinkageError e) {
                problems.add(where + ": provider " + p.getClass().getName() + " is unusable: " + summary(e) + "; skipped");
            }
        }
    }

    private static String providerProblem(Throwable e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        msg = msg.replaceFirst("^org\\.kvscope\\.kv\\.spi\\.PolicyProvider: ", "");
        Throwable cause = e.getCause();
        return cause == null ? msg : msg + " (" + summary(cause) + ")";
    }

    /** Reads and checks a provider's name, description and parameters once. */
    private static Entry entryOf(PolicyProvider p, String origin) {
        String name = p.name();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("policy name '" + name
                    + "' must be 1-40 lowercase letters, digits or '-', starting with a letter");
        }
        String description = p.description() == null ? "" : p.description();
        List<ParameterSpec> specs = List.copyOf(p.parameters());
        for (ParameterSpec s : specs) {
            s.validate(s.defaultValue());
        }
        if (BUILT_IN.equals(origin)) {
            return new Entry(name, description, p::parameters, p::create, origin);
        }
        return new Entry(name, description, () -> specs, p::create, origin);
    }
}
