package io.vendstream.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;

/**
 * An answer written as JSON (UTF-8 bytes) once, when it is computed, however many requests it then
 * serves: {@link AnswerWriter} sends the bytes as they are. For the large answers (a whole fleet's
 * pick list, the visit plan, current stock) writing the same maps again for every client, and even
 * copying the text through a JSON generator, was most of the cost of a cached request.
 */
public final class SerializedAnswer implements JsonSerializable {

    /** The one writer of API answers (this class and {@link AnswerWriter}). */
    static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Object> value;
    private final byte[] json;

    public SerializedAnswer(Map<String, Object> value) {
        this.value = value;
        try {
            this.json = JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The answer itself, e.g. to write it in another format. */
    public Map<String, Object> value() {
        return value;
    }

    /** The answer as JSON, UTF-8; shared, so callers must not change it. */
    byte[] bytes() {
        return json;
    }

    @Override
    public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeRawValue(toString());
    }

    @Override
    public void serializeWithType(JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer) throws IOException {
        serialize(gen, serializers);
    }

    @Override
    public String toString() {
        return new String(json, StandardCharsets.UTF_8);
    }
}
