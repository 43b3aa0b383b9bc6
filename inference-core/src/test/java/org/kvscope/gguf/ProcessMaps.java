package org.kvscope.gguf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test helper: what this process's {@code /proc/self/maps} says of an address. */
public final class ProcessMaps {
    private ProcessMaps() {}

    /** Whether the mapping holding this address is anonymous (no file named in /proc/self/maps). */
    public static boolean anonymous(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] w = line.trim().split("\\s+");
            String[] r = w[0].split("-");
            if (Long.parseUnsignedLong(r[0], 16) <= address && address < Long.parseUnsignedLong(r[1], 16)) {
                return w.length < 6;
            }
        }
        throw new AssertionError("no mapping holds " + Long.toHexString(address));
    }
}
