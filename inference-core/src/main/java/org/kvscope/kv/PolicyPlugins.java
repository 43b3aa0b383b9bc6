package org.kvscope.kv;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads policy plugins: every {@code *.jar} of a directory, each in its own class loader, whose
 * {@link org.kvscope.kv.spi.PolicyProvider}s are registered with {@link PolicyRegistry}. A jar
 * that cannot be read, names a missing class, throws while being set up or repeats a taken name
 * gets one line in {@link Report#problems()} naming it; everything else keeps loading. Loading
 * the same jar twice is a no-op.
 */
public final class PolicyPlugins {
    private static final Set<Path> LOADED = new HashSet<>();

    private PolicyPlugins() {}

    /**
     * @param policies names of the policies registered by this call
     * @param problems one printable line per problem, each naming the plugin jar
     */
    public record Report(List<String> policies, List<String> problems) {}

    /** The per-user plugin directory, {@code ~/.kvscope/plugins}. */
    public static Path userDirectory() {
        return Path.of(System.getProperty("user.home"), ".kvscope", "plugins");
    }

    /** Loads the user directory's plugins when it exists. */
    public static Report loadUserPlugins() {
        Path dir = userDirectory();
        return Files.isDirectory(dir) ? load(dir) : new Report(List.of(), List.of());
    }

    /** Loads every jar in {@code dir} (in name order). */
    public static Report load(Path dir) {
        List<String> policies = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            problems.add("plugin directory " + dir + " does not exist or is not a directory");
            return new Report(policies, problems);
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            problems.add("plugin directory " + dir + " cannot be read: " + e.getMessage());
            return new Report(policies, problems);
        }
        for (Path jar : jars) {
            Report r = loadJar(jar);
            policies.addAll(r.policies());
            problems.addAll(r.problems());
        }
        return new Report(List.copyOf(policies), List.copyOf(problems));
    }

    /** Loads one plugin jar. */
    public static Report loadJar(Path jar) {
        List<String> policies = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Path key = jar.toAbsolutePath().normalize();
        synchronized (LOADED) {
            if (!LOADED.add(key)) {
                return new Report(List.of(), List.of());
            }
        }
        String origin = jar.getFileName().toString();
        if (!Files.isReadable(jar)) {
            problems.add("plugin " + origin + ": cannot read " + jar);
            return new Report(policies, problems);
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            zip.size(); // a jar is a zip file: anything else is named so, not as a jar without a policy
        } catch (IOException e) {
            problems.add("plugin " + origin + ": not a jar (zip) file: " + e.getMessage());
            return new Report(policies, problems);
        }
        URL url;
        try {
            url = key.toUri().toURL();
        } catch (MalformedURLException e) {
            problems.add("plugin " + origin + ": bad path " + jar);
            return new Report(policies, problems);
        }
        // never closed: the plugin's classes stay in use for the life of the application
        URLClassLoader loader = new URLClassLoader("plugin " + origin, new URL[] {url},
                PolicyRegistry.class.getClassLoader());
        PolicyRegistry.discover(loader, origin, policies, problems);
        if (policies.isEmpty() && problems.isEmpty()) {
            problems.add("plugin " + origin + ": provides no policy (no META-INF/services/"
                    + org.kvscope.kv.spi.PolicyProvider.class.getName() + " entry)");
        }
        return new Report(List.copyOf(policies), List.copyOf(problems));
    }
}
