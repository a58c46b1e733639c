package io.vendstream.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * Decides whether a payload is a valid vending event. The JSON Schema
 * ({@code schema/vending-event-v1.json}) is the single source of field rules; this class adds
 * only what a schema cannot say: the payload size limit, strict UTF-8, the clock-relative rule
 * on occurredAt, and that text must not contain NUL characters (PostgreSQL text cannot hold them).
 *
 * <p>Thread-safe and free of I/O, so it can validate the records of a poll in parallel.
 */
public final class EventValidator {

    public static final String SCHEMA_RESOURCE = "schema/vending-event-v1.json";

    private static final Set<String> TEXT_FIELDS = Set.of("eventId", "machineId", "location", "product", "category",
            "currency", "paymentMethod", "occurredAt", "type");

    private final JsonMapper mapper = JsonMapper.builder()
            // {"quantity":1,"quantity":50} is ambiguous: refuse it rather than guess
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // exact decimals, so "at most 2 decimals" and money are checked without binary rounding
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private final JsonSchema schema;
    private final Clock clock;
    private final Duration maxFutureSkew;
    private final int maxPayloadBytes;
    // null: events of any age are accepted (no retention)
    private final Duration maxAge;

    /**
     * As configured (routes/ingest-beans.camel.yaml): vendstream.ingest.max-future-skew-seconds,
     * vendstream.ingest.max-payload-bytes, and vendstream.retention.raw-days, beyond which an event is
     * refused as BEYOND_RETENTION (0 keeps everything); on the system clock.
     */
    public static EventValidator configured(int maxFutureSkewSeconds, int maxPayloadBytes, int retentionDays) {
        return new EventValidator(Clock.systemUTC(), Duration.ofSeconds(maxFutureSkewSeconds), maxPayloadBytes,
                retentionDays > 0 ? Duration.ofDays(retentionDays) : null);
    }

    /**
     * @param maxAge how old an event may be; null accepts events of any age (no retention)
     */
    public EventValidator(Clock clock, Duration maxFutureSkew, int maxPayloadBytes, Duration maxAge) {
        this.clock = clock;
        this.maxFutureSkew = maxFutureSkew;
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxAge = maxAge;
        this.schema = loadSchema();
    }

    public static JsonSchema loadSchema() {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .formatAssertionsEnabled(true)
                .build();
        try (InputStream in = EventValidator.class.getClassLoader().getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SCHEMA_RESOURCE + " is missing from the classpath");
            }
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The outcome for one payload: exactly one of event and rejection is set. */
    public record Result(VendingEvent event, Rejection rejection) {
        static Result valid(VendingEvent event) {
            return new Result(event, null);
        }

        static Result rejected(Rejection.Reason reason, String detail, String eventId) {
            return new Result(null, new Rejection(reason, detail, eventId));
        }

        public boolean isValid() {
            return event != null;
        }
    }

    public Result validate(byte[] payload) {
        if (payload == null || payload.length == 0) {
            return Result.rejected(Rejection.Reason.MALFORMED_JSON, "empty payload: expected a JSON object", null);
        }
        if (payload.length > maxPayloadBytes) {
            return Result.rejected(Rejection.Reason.PAYLOAD_TOO_LARGE,
                    "payload is " + payload.length + " bytes; the limit is " + maxPayloadBytes + " bytes", null);
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload));
        } catch (CharacterCodingException e) {
            return Result.rejected(Rejection.Reason.INVALID_ENCODING, "payload is not valid UTF-8", null);
        }
        JsonNode root;
        try {
            root = mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            return Result.rejected(Rejection.Reason.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            return Result.rejected(Rejection.Reason.MALFORMED_JSON, "not valid JSON: " + e.getMessage(), null);
        }
        if (root == null || root.isMissingNode()) {
            return Result.rejected(Rejection.Reason.MALFORMED_JSON, "empty payload: expected a JSON object", null);
        }
        if (!root.isObject()) {
            return Result.rejected(Rejection.Reason.NOT_AN_OBJECT,
                    "expected a JSON object, got " + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT), null);
        }
        String eventId = root.path("eventId").isTextual() ? root.get("eventId").asText() : null;
        Set<ValidationMessage> violations = schema.validate(root);
        if (!violations.isEmpty()) {
            return Result.rejected(Rejection.Reason.SCHEMA_VIOLATION, describe(violations), eventId);
        }
        String nul = fieldWithNul(root);
        if (nul != null) {
            return Result.rejected(Rejection.Reason.SCHEMA_VIOLATION, "$." + nul + ": must not contain NUL characters", eventId);
        }
        Instant occurredAt;
        try {
            occurredAt = OffsetDateTime.parse(root.get("occurredAt").asText()).toInstant();
        } catch (DateTimeParseException e) {
            return Result.rejected(Rejection.Reason.SCHEMA_VIOLATION,
                    "$.occurredAt: not an RFC 3339 timestamp with offset", eventId);
        }
        Instant latest = clock.instant().plus(maxFutureSkew);
        if (occurredAt.isAfter(latest)) {
            return Result.rejected(Rejection.Reason.FUTURE_TIMESTAMP, "$.occurredAt: " + root.get("occurredAt").asText()
                    + " is more than " + maxFutureSkew.toMinutes() + " minutes in the future", eventId);
        }
        if (maxAge != null && occurredAt.isBefore(clock.instant().minus(maxAge))) {
            return Result.rejected(Rejection.Reason.BEYOND_RETENTION, "$.occurredAt: " + root.get("occurredAt").asText()
                    + " is older than the retention horizon of " + maxAge.toDays() + " days", eventId);
        }
        return Result.valid(toEvent(root, occurredAt));
    }

    private static VendingEvent toEvent(JsonNode root, Instant occurredAt) {
        boolean sale = "sale".equals(root.get("type").asText());
        return new VendingEvent(
                UUID.fromString(root.get("eventId").asText()),
                sale ? VendingEvent.Type.SALE : VendingEvent.Type.RESTOCK,
                root.get("machineId").asText(),
                root.get("location").asText(),
                root.get("product").asText(),
                text(root, "category"),
                sale ? root.get("unitPrice").decimalValue().setScale(2, java.math.RoundingMode.UNNECESSARY) : null,
                root.hasNonNull("currency") ? root.get("currency").asText() : "IDR",
                root.get("quantity").intValue(),
                sale ? root.get("paymentMethod").asText() : null,
                root.hasNonNull("stockAfter") ? root.get("stockAfter").intValue() : null,
                occurredAt);
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    private static String fieldWithNul(JsonNode root) {
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (TEXT_FIELDS.contains(field.getKey()) && field.getValue().isTextual()
                    && field.getValue().asText().indexOf('\u0000') >= 0) {
                return field.getKey();
            }
        }
        return null;
    }

    /** "$.unitPrice: must have a minimum value of 0; $: required property 'quantity' not found" */
    private static String describe(Set<ValidationMessage> violations) {
        return violations.stream()
                .map(ValidationMessage::getMessage)
                .sorted(Comparator.naturalOrder())
                .distinct()
                .limit(5)
                .collect(Collectors.joining("; "));
    }
}
