package io.vendstream.simulator;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

/**
 * Text written out as it is by Jackson, even when it is not valid JSON: how the simulator
 * publishes a malformed payload (a machine whose firmware cut a message short) through the
 * same marshal step as every other event.
 */
@JsonSerialize(using = RawJson.Writer.class)
public record RawJson(String text) {

    static final class Writer extends StdSerializer<RawJson> {
        Writer() {
            super(RawJson.class);
        }

        @Override
        public void serialize(RawJson value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeRaw(value.text());
        }
    }
}
