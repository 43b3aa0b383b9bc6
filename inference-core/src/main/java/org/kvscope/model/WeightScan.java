package org.kvscope.model;

import java.util.ArrayList;
import java.util.List;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFTensorInfo;
import org.kvscope.gguf.PrintableText;
import org.kvscope.tensor.FloatTensor;

/**
 * Scans every tensor of a GGUF file for NaN and infinite values (after dequantisation), the
 * damage that loads without complaint and then turns every metric into NaN.
 */
public final class WeightScan {
    /** Elements dequantised at a time: a multiple of every block size (32 and 256). */
    private static final int CHUNK = 1 << 16;

    private WeightScan() {}

    /**
     * One tensor holding non-finite values.
     *
     * @param first index of the first such element
     */
    public record Damage(String tensor, long nan, long infinite, long first) {
        @Override
        public String toString() {
            return "tensor " + PrintableText.quote(tensor) + " holds " + nan + " NaN and " + infinite + " infinite values (first at element "
                    + first + ")";
        }
    }

    /** The result of a scan: tensors scanned, those skipped (types kvscope cannot read), and the damaged ones. */
    public record Result(int scanned, List<String> skipped, List<Damage> damaged) {
        public boolean clean() { return damaged.isEmpty(); }
    }

    public static Result scan(GGUFFile file) {
        List<Damage> damaged = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int scanned = 0;
        float[] buffer = new float[CHUNK];
        for (GGUFTensorInfo t : file.tensors()) {
            if (!t.type().isSupported()) {
                skipped.add(PrintableText.quote(t.name()) + " (" + t.type() + ")");
                continue;
            }
            FloatTensor values = FloatTensor.of(t.type(), file.tensorData(t), t.elementCount());
            long nan = 0, infinite = 0, first = -1;
            for (long at = 0; at < t.elementCount(); at += CHUNK) {
                int n = (int) Math.min(CHUNK, t.elementCount() - at);
                values.dequantize(at, buffer, 0, n);
                for (int i = 0; i < n; i++) {
                    float v = buffer[i];
                    if (!Float.isFinite(v)) {
                        if (Float.isNaN(v)) {
                            nan++;
                        } else {
                            infinite++;
                        }
                        if (first < 0) {
                            first = at + i;
                        }
                    }
                }
            }
            scanned++;
            if (first >= 0) {
                damaged.add(new Damage(t.name(), nan, infinite, first));
            }
        }
        return new Result(scanned, List.copyOf(skipped), List.copyOf(damaged));
    }
}
