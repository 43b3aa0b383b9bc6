package org.kvscope.app.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/**
 * A report number that is NaN when it does not apply (e.g. a sweep's needle accuracy without a needle
 * suite), written as JSON {@code null} instead of Jackson's string {@code "NaN"}: a reader gets no number
 * rather than a string where numbers are expected.
 */
public final class NanAsNull extends StdSerializer<Double> {
    public NanAsNull() {
        super(Double.class);
    }

    @Override
    public void serialize(Double value, JsonGenerator g, SerializerProvider provider) throws IOException {
        if (value == null || value.isNaN()) {
            g.writeNull();
        } else {
            g.writeNumber(value);
        }
    }
}
