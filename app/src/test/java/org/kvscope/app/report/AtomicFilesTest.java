package org.kvscope.app.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output targets: regular files replaced atomically with their permissions, links written through, the rest in place. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void aSymbolicLinkIsWrittenThroughAndStaysALink() throws IOException {
        Path real = Files.writeString(dir.resolve("real.json"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), Path.of("real.json"));
        AtomicFiles.write(link, "new".getBytes(StandardCharsets.UTF_8));
        assertTrue(Files.isSymbolicLink(link), "the link was replaced by a file");
        assertEquals("new", Files.readString(real));
    }

    @Test
    void aDanglingLinkCreatesItsTarget() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("link.csv"), dir.resolve("later.csv"));
        AtomicFiles.write(link, "x".getBytes(StandardCharsets.UTF_8));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("x", Files.readString(dir.resolve("later.csv")));
    }

    @Test
    void anExistingFileKeepsItsPermissions() throws IOException {
        for (String mode : new String[] {"rw-r--r--", "rw-rw-r--", "rw-------"}) {
            Path f = Files.writeString(dir.resolve(mode + ".json"), "old");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
            AtomicFiles.write(f, "new".getBytes(StandardCharsets.UTF_8));
            assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
            assertEquals("new", Files.readString(f));
        }
    }

    @Test
    void aNewFileGetsTheDefaultPermissionsOfANewFileNotPrivateOnes() throws IOException {
        Path reference = Files.createFile(dir.resolve("reference"));
        Path f = dir.resolve("new.json");
        AtomicFiles.write(f, "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(f));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "temp file left");
        }
    }

    @Test
    void aProducerThatReplacesItsFileStillGivesTheKeptPermissions() throws IOException {
        Path f = Files.writeString(dir.resolve("model.gguf"), "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        AtomicFiles.write(f, file -> {
            Path other = Files.createTempFile(file.getParent(), "producer", ".tmp"); // 0600, like GGUFWriter's
            Files.writeString(other, "new");
            Files.move(other, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        });
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals("new", Files.readString(f));
    }

    @Test
    void aFifoIsWrittenInPlaceAndNotReplaced() throws Exception {
        Path fifo = mkfifo(dir.resolve("pipe"));
        CompletableFuture<String> reader = readAsync(fifo);
        AtomicFiles.write(fifo, "through the pipe".getBytes(StandardCharsets.UTF_8));
        assertEquals("through the pipe", reader.get(10, TimeUnit.SECONDS));
        assertFalse(Files.isRegularFile(fifo), "the FIFO was replaced by a regular file");
        assertEquals(java.util.Optional.empty(), AtomicFiles.problem(fifo));
    }

    @Test
    void devNullStaysADevice() throws Exception {
        // the same code path as the FIFO, first proven on a link to a FIFO in a temporary directory
        Path fifo = mkfifo(dir.resolve("pipe2"));
        Path link = Files.createSymbolicLink(dir.resolve("to-pipe"), fifo);
        CompletableFuture<String> reader = readAsync(fifo);
        AtomicFiles.write(link, "via link".getBytes(StandardCharsets.UTF_8));
        assertEquals("via link", reader.get(10, TimeUnit.SECONDS));
        assertFalse(Files.isRegularFile(fifo));
        Path devNull = Path.of("/dev/null");
        Assumptions.assumeTrue(Files.exists(devNull) && !Files.isRegularFile(devNull), "no /dev/null device here");
        AtomicFiles.write(devNull, "discarded".getBytes(StandardCharsets.UTF_8));
        assertFalse(Files.isRegularFile(devNull), "/dev/null was replaced by a regular file");
        assertEquals(0, Files.size(devNull));
    }

    @Test
    void problemsNameTheReasonBeforeAnyWork() throws IOException {
        assertEquals("is a directory; give a file name", AtomicFiles.problem(dir).orElseThrow());
        assertTrue(AtomicFiles.problem(dir.resolve("missing/out.json")).orElseThrow().contains("does not exist"));
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        assertTrue(AtomicFiles.problem(file.resolve("out.json")).orElseThrow().contains("is not a directory"));
        assertEquals(java.util.Optional.empty(), AtomicFiles.problem(dir.resolve("fine.json")));
        assertEquals(java.util.Optional.empty(), AtomicFiles.problem(file));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(dir, new byte[1]));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }

    @Test
    void aReadOnlyDirectoryIsFoundBeforeWriting() throws IOException {
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(Files.isWritable(ro), "running as root: a read-only mode does not stop writes");
            assertTrue(AtomicFiles.problem(ro.resolve("out.json")).orElseThrow().contains("cannot create files in"));
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aMissingProcEntryNamesTheUsersPathAndTheReasonNotATemporaryFile() {
        Path proc = Path.of("/proc/kvscope-no-such-output.json");
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc here");
        String problem = AtomicFiles.problem(proc).orElseThrow();
        assertEquals("does not exist, and no file can be created in /proc (a proc file system)", problem);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(proc, new byte[1]));
        assertEquals(proc + ": does not exist, and no file can be created in /proc (a proc file system)", e.getMessage());
    }

    @Test
    void aFailureWhileWritingNamesTheUsersPathNotTheTemporaryFile() {
        Path target = dir.resolve("out.json");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, file -> {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }));
        assertEquals(target + ": no such file or directory", e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
    }

    static CompletableFuture<String> readAsync(Path fifo) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * Ctrl-C while {@code synth} streamed its model left {@code .big.gguf.<random>.tmp} behind: the JVM
     * shutting down (SIGINT or SIGTERM) now deletes every temporary file still being written.
     */
    @Test
    void aCommandStoppedWhileWritingLeavesNoTemporaryFile() throws Exception {
        Path out = dir.resolve("big.gguf");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "org.kvscope.app.Main", "synth", "--shape", "smollm2-135m", "--type", "q8_0", "--out", out.toString(),
                "--quiet").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (listing().isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Assumptions.assumeTrue(p.isAlive() && listing().stream().anyMatch(f -> f.endsWith(".tmp")),
                    "synth finished before it could be stopped: " + listing());
            p.destroy(); // SIGTERM: the same shutdown as Ctrl-C
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "synth did not stop");
            assertEquals(java.util.List.of(), listing(), "left behind by the stopped synth");
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * {@code --out /dev/stdout >> log} appends, as the shell was told: the report goes through the standard output the
     * process was given (its offset and append mode), not a second open of the file behind it, which truncated it and
     * wiped what the log held (and with {@code > log 2>&1}, the stderr lines written before).
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void devStdoutRedirectedToAFileInAppendModeIsAppendedTo() throws Exception {
        Path log = dir.resolve("log.bin");
        Files.writeString(log, "previous\n");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "org.kvscope.app.Main", "synth", "--shape", "tiny-stories", "--type", "f32", "--out", "/dev/stdout",
                "--quiet").redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        assertTrue(p.waitFor(100, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        byte[] bytes = Files.readAllBytes(log);
        assertEquals("previous\nGGUF", new String(bytes, 0, Math.min(13, bytes.length), java.nio.charset.StandardCharsets.ISO_8859_1),
                "the log's first line is gone or the model is not after it (" + bytes.length + " bytes)");
    }

    private java.util.List<String> listing() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    static Path mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo is not available");
        return p;
    }
}
