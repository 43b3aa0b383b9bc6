package org.kvscope.app;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.kvscope.kv.spi.PolicyProvider;

/** Builds plugin jars in tests: compiles sources against inference-core and packs them with a services file. */
public final class PluginJars {
    public static final String SERVICES = "META-INF/services/" + PolicyProvider.class.getName();

    private PluginJars() {}

    /** Compiles {@code sources} (path → text) into {@code classes}. */
    public static void compile(Map<String, String> sources, Path work, Path classes) throws IOException, URISyntaxException {
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath", coreClasspath(),
                "--release", "25", "-proc:none", "-nowarn"));
        for (var e : sources.entrySet()) {
            Path f = work.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, System.err, args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException("javac failed for " + sources.keySet());
        }
    }

    /** A jar of the class files under {@code classes} whose path starts with {@code prefix}, plus a services file. */
    public static Path jar(Path jar, Path classes, String prefix, String services) throws IOException {
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.exists(classes) ? Files.walk(classes) : Stream.empty()) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = classes.relativize(f).toString().replace('\\', '/');
                if (name.startsWith(prefix)) {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
            out.putNextEntry(new JarEntry(SERVICES));
            OutputStream o = out;
            o.write(services.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    private static String coreClasspath() throws URISyntaxException {
        return Path.of(PolicyProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
