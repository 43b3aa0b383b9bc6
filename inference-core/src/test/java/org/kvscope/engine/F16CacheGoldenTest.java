package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.kvscope.backend.Backends;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.tensor.Parallel;
import org.kvscope.tensor.VectorOps;

/**
 * Decoding with the F16 cache, bit for bit, against digests recorded before the cache stored keys
 * in blocks of 16 slots (issue 17): with no policy and with every built-in policy evicting and
 * compacting (budget 24), the logits of a prefill and of 26 decode steps past it, and after each
 * the kept positions, keys and values as the cache reads them back. The decode attention splits a
 * head's slots by the thread count, so the digests depend on it and on the vector width: each
 * width has its own file with entries per thread count, and a pair with none recorded skips.
 * {@code -Dkvscope.golden.record=DIR} appends the current pair's entries to DIR's file instead.
 */
class F16CacheGoldenTest extends TinyModelPerClass {
    static List<String> names() {
        List<String> names = PolicyRegistry.entries().stream().filter(e -> !e.isPlugin())
                .map(PolicyRegistry.Entry::name).toList();
        assertTrue(names.size() >= 14, names.toString());
        return names;
    }

    private static CompressionPolicy policy(String name) {
        Map<String, Object> values = new HashMap<>();
        for (ParameterSpec p : PolicyRegistry.entry(name).parameters()) {
            if (p.name().equals("budget")) {
                values.put("budget", 24);
            }
        }
        return PolicyRegistry.create(name, values);
    }

    /** Prefill of 70 tokens in chunks of 32, then 26 tokens decoded one by one (context 100: not whole blocks). */
    private static String digest(CompressionPolicy policy) {
        MessageDigest md = GoldenDigests.sha256();
        int[] tokens = TinyModel.prompt(96);
        try (InferenceSession s = new InferenceSession(model, new SessionOptions(100, 32, Backends.cpu(KvCacheType.F16)))) {
            s.setPolicy(policy);
            GoldenDigests.add(md, s.prefill(Arrays.copyOf(tokens, 70)));
            GoldenDigests.add(md, s.cache());
            for (int t = 70; t < tokens.length; t++) {
                GoldenDigests.add(md, s.decode(tokens[t]));
                GoldenDigests.add(md, s.cache());
            }
            assertEquals(KvCacheType.F16, s.cache().type());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static Map<String, String> digests() {
        Map<String, String> out = new LinkedHashMap<>();
        String prefix = "threads" + Parallel.threads() + ".";
        out.put(prefix + "none", digest(null));
        for (String name : names()) {
            out.put(prefix + name, digest(policy(name)));
        }
        return out;
    }

    static String resourceName() {
        return "golden-f16-cache-" + VectorOps.F.vectorBitSize() + ".properties";
    }

    @Test
    void f16CacheDecodeIsBitIdenticalToTheRecordedOne() throws IOException {
        Map<String, String> now = digests();
        String record = System.getProperty("kvscope.golden.record");
        if (record != null) {
            Path out = Path.of(record).resolve(resourceName());
            try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                for (var e : now.entrySet()) {
                    w.write(e.getKey() + "=" + e.getValue() + "\n");
                }
            }
            return;
        }
        Properties golden = new Properties();
        try (InputStream in = F16CacheGoldenTest.class.getResourceAsStream(resourceName())) {
            Assumptions.assumeTrue(in != null, "no f16-cache digests recorded for " + VectorOps.F.vectorBitSize()
                    + "-bit vectors (" + resourceName() + ")");
            golden.load(in);
        }
        String any = now.keySet().iterator().next();
        Assumptions.assumeTrue(golden.getProperty(any) != null, "no f16-cache digests recorded for "
                + Parallel.threads() + " threads at " + VectorOps.F.vectorBitSize() + " bits");
        for (var e : now.entrySet()) {
            assertEquals(golden.getProperty(e.getKey()), e.getValue(), e.getKey());
        }
    }
}
