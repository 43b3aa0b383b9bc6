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

    /**
     * Source of a deliberately broken plugin policy {@code name} in package {@code org.broken.ID}:
     * its constructor runs {@code ctor}, it keeps the int[] expression {@code kept} (of the prompt
     * length {@code n}) in every layer and kv-head, and each decode step runs {@code decode}.
     */
    public static String brokenPolicy(String id, String name, String ctor, String kept, String decode) {
        return """
                package org.broken.PACKAGE;

                import org.kvscope.kv.*;
                import org.kvscope.kv.spi.SimplePolicyProvider;

                public final class P extends CompressionPolicy {
                    public static final class Provider extends SimplePolicyProvider {
                        public Provider() { super("NAME", "broken on purpose", () -> BudgetParameters.specs("uniform"), P::new); }
                    }
                    public P(PolicyParameters p) { super(p); CTOR }
                    @Override public String name() { return "NAME"; }
                    static int[] all(int n) { return java.util.stream.IntStream.range(0, n).toArray(); }
                    static int[] scores(float[] s) { return new int[] {s.length}; }
                    @Override public KeptPositions selectAfterPrefill(PrefillContext ctx) {
                        int n = ctx.promptLength();
                        int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
                        for (int[][] layer : out) {
                            for (int h = 0; h < layer.length; h++) {
                                layer[h] = KEPT;
                            }
                        }
                        return new KeptPositions(out);
                    }
                    static int[][][] keep(DecodeContext ctx, int position) {
                        int[][][] out = new int[ctx.cache().layers()][ctx.cache().kvHeads()][];
                        for (int[][] layer : out) {
                            java.util.Arrays.fill(layer, new int[] {position});
                        }
                        return out;
                    }
                    @Override public int[][][] onDecodeStep(DecodeContext ctx) { DECODE }
                }
                """.replace("PACKAGE", id).replace("NAME", name).replace("CTOR", ctor).replace("KEPT", kept)
                .replace("DECODE", decode);
    }

    /**
     * Compiles {@code sources} (id → source in package {@code org.broken.ID}) and writes one jar
     * per id, {@code ID.jar} in {@code plugins}. {@link #GONE} is compiled but packed in no jar,
     * so a policy using it meets a missing class.
     */
    public static void brokenJars(Map<String, String> sources, Path work, Path plugins)
            throws IOException, URISyntaxException {
        Map<String, String> files = new java.util.LinkedHashMap<>();
        sources.forEach((id, src) -> files.put("org/broken/" + id + "/P.java", src));
        files.put("org/gone/Gone.java", "package org.gone; public final class Gone { public static int[] keep(int n) { return new int[] {0}; } }");
        Path classes = work.resolve("classes");
        compile(files, work.resolve("src"), classes);
        for (String id : sources.keySet()) {
            jar(plugins.resolve(id + ".jar"), classes, "org/broken/" + id + "/", "org.broken." + id + ".P$Provider\n");
        }
    }

    /** A kept-set expression for {@link #brokenPolicy} that needs a class no plugin jar holds. */
    public static final String GONE = "org.gone.Gone.keep(n)";

    private static String coreClasspath() throws URISyntaxException {
        return Path.of(PolicyProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
