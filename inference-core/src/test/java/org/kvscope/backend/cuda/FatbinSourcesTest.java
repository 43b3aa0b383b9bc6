package org.kvscope.backend.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Keeps the committed fatbin in step with the CUDA sources it was built from. */
class FatbinSourcesTest {

    private static Path moduleDir() {
        for (Path p : List.of(Path.of(""), Path.of("inference-core"))) {
            if (Files.isDirectory(p.resolve("src/main/cuda"))) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }

    @Test
    void fatbinResourceIsAFatbin() throws IOException {
        try (InputStream in = CudaContext.class.getResourceAsStream(CudaContext.FATBIN_RESOURCE)) {
            assertNotNull(in, "kvscope.fatbin resource missing");
            byte[] head = in.readNBytes(4);
            // fatbin magic 0xBA55ED50, little-endian
            assertEquals(List.of((byte) 0x50, (byte) 0xED, (byte) 0x55, (byte) 0xBA),
                    List.of(head[0], head[1], head[2], head[3]));
        }
    }

    @Test
    void committedHashMatchesTheSources() throws IOException, NoSuchAlgorithmException {
        Path module = moduleDir();
        assumeTrue(module != null, "CUDA sources not in this checkout");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> files = Files.list(module.resolve("src/main/cuda"))) {
            List<Path> sources = files.filter(f -> f.toString().endsWith(".cu") || f.toString().endsWith(".cuh"))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
            assertTrue(sources.size() >= 4, "expected the kernel sources, found " + sources);
            for (Path f : sources) sha.update(Files.readAllBytes(f));
        }
        String expected;
        try (InputStream in = CudaContext.class.getResourceAsStream(CudaContext.FATBIN_RESOURCE + ".sha256")) {
            assertNotNull(in, "kvscope.fatbin.sha256 resource missing");
            expected = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
        assertEquals(expected, HexFormat.of().formatHex(sha.digest()),
                "CUDA sources changed since kvscope.fatbin was built: run scripts/cuda/build-fatbin.sh");
    }

    @Test
    void buildScriptStillCompilesWhenNvccIsPresent() throws IOException, InterruptedException {
        Path module = moduleDir();
        assumeTrue(module != null, "CUDA sources not in this checkout");
        assumeTrue(onPath("nvcc"), "nvcc not on PATH");
        Path script = module.getParent().resolve("scripts/cuda/build-fatbin.sh");
        assertTrue(Files.isRegularFile(script), script + " missing");
        Path out = Files.createTempDirectory("kvscope-fatbin-check");
        Process p = new ProcessBuilder("bash", script.toString(), "--check", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc check build did not finish");
        assertEquals(0, p.exitValue(), log);
        assertTrue(Files.size(out.resolve("kvscope.fatbin")) > 0);
        Files.delete(out.resolve("kvscope.fatbin"));
        Files.delete(out);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
