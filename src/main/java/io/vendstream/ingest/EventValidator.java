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
import java.time.temporal.ChronoUnit;
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
 * Decides whether a payload is a valid vending event, or, from the payments topic, a valid payment
 * processor event. The JSON Schemas ({@code schema/vending-event-v1.json},
 * {@code schema/payment-v1.json}) are the single source of field rules; this class adds only what a
 * schema cannot say, the same for both contracts: the payload size limit, strict UTF-8, the
 * clock-relative rules on occurredAt, and that text must not contain NUL characters (PostgreSQL text
 * cannot hold them).
 *
 * <p>Thread-safe and free of I/O, so it can validate the records of a poll in parallel.
 */
public final class EventValidator {

    public static final String SCHEMA_RESOURCE = "schema/vending-event-v1.json";
    public static final String PAYMENT_SCHEMA_RESOURCE = "schema/payment-v1.json";

    private static final Set<String> TEXT_FIELDS = Set.of("eventId", "machineId", "location", "product", "category",
            "currency", "paymentMethod", "occurredAt", "type", "transactionRef", "paymentEventId", "kind", "processor",
            "settlementBatch");

    private final JsonMapper mapper = JsonMapper.builder()
            // {"quantity":1,"quantity":50} is ambiguous: refuse it rather than guess
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // exact decimals, so "at most 2 decimals" and money are checked without binary rounding
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private final JsonSchema schema;
    private final JsonSchema paymentSchema;
    // records from this topic are payment events (payment-v1); null: vending events only
    private final String paymentsTopic;
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
        return configured(maxFutureSkewSeconds, maxPayloadBytes, retentionDays, null);
    }

    /** As above, and records of {@code paymentsTopic} (vendstream.payments.topic) are payment events. */
    public static EventValidator configured(int maxFutureSkewSeconds, int maxPayloadBytes, int retentionDays,
            String paymentsTopic) {
        return new EventValidator(Clock.systemUTC(), Duration.ofSeconds(maxFutureSkewSeconds), maxPayloadBytes,
                retentionDays > 0 ? Duration.ofDays(retentionDays) : null, paymentsTopic);
    }

    /**
     * @param maxAge how old an event may be; null accepts events of any age (no retention)
     */
    public EventValidator(Clock clock, Duration maxFutureSkew, int maxPayloadBytes, Duration maxAge) {
        this(clock, maxFutureSkew, maxPayloadBytes, maxAge, null);
    }

    /**
     * @param paymentsTopic records from this topic are validated against payment-v1; null for none
     */
    public EventValidator(Clock clock, Duration maxFutureSkew, int maxPayloadBytes, Duration maxAge, String paymentsTopic) {
        this.clock = clock;
        this.maxFutureSkew = maxFutureSkew;
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxAge = maxAge;
        this.schema = loadSchema();
        this.paymentSchema = loadSchema(PAYMENT_SCHEMA_RESOURCE);
        this.paymentsTopic = paymentsTopic;
    }

    /**
     * The ingest route's validator bean of this name (routes/ingest-beans.camel.yaml), for beans of
     * other files that must judge as ingest does: found at first use, as route files load in no
     * fixed order.
     */
    public static EventValidator named(org.apache.camel.CamelContext context, String bean) {
        EventValidator validator = context.getRegistry().lookupByNameAndType(bean, EventValidator.class);
        if (validator == null) {
            throw new IllegalStateException("the bean " + bean + " (routes/ingest-beans.camel.yaml) is missing");
        }
        return validator;
    }

    public static JsonSchema loadSchema() {
        return loadSchema(SCHEMA_RESOURCE);
    }

    public static JsonSchema loadSchema(String resource) {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .formatAssertionsEnabled(true)
                .build();
        try (InputStream in = EventValidator.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The outcome for one payload: exactly one of event, payment and rejection is set. */
    public record Result(VendingEvent event, Rejection rejection, PaymentEvent payment) {
        static Result valid(VendingEvent event) {
            return new Result(event, null, null);
        }

        static Result valid(PaymentEvent payment) {
            return new Result(null, null, payment);
        }

        static Result rejected(Rejection.Reason reason, String detail, String eventId) {
            return new Result(null, new Rejection(reason, detail, eventId), null);
        }

        public boolean isValid() {
            return rejection == null;
        }
    }

    /** The record of {@code topic}: a payment event on the payments topic, otherwise a vending event. */
    public Result validate(String topic, byte[] payload) {
        return paymentsTopic != null && paymentsTopic.equals(topic) ? validatePayment(payload) : validate(payload);
    }

    /** A vending event (contract v1). */
    public Result validate(byte[] payload) {
        Checked checked = check(payload, schema, "eventId");
        return checked.rejection != null ? checked.rejection : Result.valid(toEvent(checked.root, checked.occurredAt));
    }

    /** A payment processor event (contract payment-v1). */
    public Result validatePayment(byte[] payload) {
        Checked checked = check(payload, paymentSchema, "paymentEventId");
        return checked.rejection != null ? checked.rejection : Result.valid(toPayment(checked.root, checked.occurredAt));
    }

    /** A payload that passed every rule (root, occurredAt), or why not. */
    private record Checked(JsonNode root, Instant occurredAt, Result rejection) {
        static Checked refused(Result rejection) {
            return new Checked(null, null, rejection);
        }
    }

    private Checked check(byte[] payload, JsonSchema schema, String idField) {
        JsonNode root;
        try {
            root = parse(payload);
        } catch (Refusal r) {
            return Checked.refused(r.result);
        }
        String eventId = root.path(idField).isTextual() ? root.get(idField).asText() : null;
        Set<ValidationMessage> violations = schema.validate(root);
        if (!violations.isEmpty()) {
            return Checked.refused(Result.rejected(Rejection.Reason.SCHEMA_VIOLATION, describe(violations), eventId));
        }
        String nul = fieldWithNul(root);
        if (nul != null) {
            return Checked.refused(Result.rejected(Rejection.Reason.SCHEMA_VIOLATION, "$." + nul + ": must not contain NUL characters", eventId));
        }
        Instant occurredAt;
        try {
            // to the microsecond, as PostgreSQL keeps it: what is judged in memory is what is stored
            occurredAt = OffsetDateTime.parse(root.get("occurredAt").asText()).toInstant().truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            return Checked.refused(Result.rejected(Rejection.Reason.SCHEMA_VIOLATION,
                    "$.occurredAt: not an RFC 3339 timestamp with offset", eventId));
        }
        Result rejected = null;
        Instant latest = clock.instant().plus(maxFutureSkew);
        if (occurredAt.isAfter(latest)) {
            rejected = Result.rejected(Rejection.Reason.FUTURE_TIMESTAMP, "$.occurredAt: " + root.get("occurredAt").asText()
                    + " is more than " + maxFutureSkew.toMinutes() + " minutes in the future", eventId);
        } else if (maxAge != null && occurredAt.isBefore(clock.instant().minus(maxAge))) {
            rejected = Result.rejected(Rejection.Reason.BEYOND_RETENTION, "$.occurredAt: " + root.get("occurredAt").asText()
                    + " is older than the retention horizon of " + maxAge.toDays() + " days", eventId);
        }
        return new Checked(root, occurredAt, rejected);
    }

    private static final class Refusal extends Exception {
        final Result result;

        Refusal(Result result) {
            super(null, null, false, false);
            this.result = result;
        }
    }

    /** The payload as a JSON object, or the reason it is not one. */
    private JsonNode parse(byte[] payload) throws Refusal {
        if (payload == null || payload.length == 0) {
            throw new Refusal(Result.rejected(Rejection.Reason.MALFORMED_JSON, "empty payload: expected a JSON object", null));
        }
        if (payload.length > maxPayloadBytes) {
            throw new Refusal(Result.rejected(Rejection.Reason.PAYLOAD_TOO_LARGE,
                    "payload is " + payload.length + " bytes; the limit is " + maxPayloadBytes + " bytes", null));
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload));
        } catch (CharacterCodingException e) {
            throw new Refusal(Result.rejected(Rejection.Reason.INVALID_ENCODING, "payload is not valid UTF-8", null));
        }
        JsonNode root;
        try {
            root = mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new Refusal(Result.rejected(Rejection.Reason.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage(), null));
        } catch (IOException e) {
            throw new Refusal(Result.rejected(Rejection.Reason.MALFORMED_JSON, "not valid JSON: " + e.getMessage(), null));
        }
        if (root == null || root.isMissingNode()) {
            throw new Refusal(Result.rejected(Rejection.Reason.MALFORMED_JSON, "empty payload: expected a JSON object", null));
        }
        if (!root.isObject()) {
            throw new Refusal(Result.rejected(Rejection.Reason.NOT_AN_OBJECT,
                    "expected a JSON object, got " + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT), null));
        }
        return root;
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
                occurredAt,
                sale ? text(root, "transactionRef") : null);
    }

    private static PaymentEvent toPayment(JsonNode root, Instant occurredAt) {
        return new PaymentEvent(
                UUID.fromString(root.get("paymentEventId").asText()),
                root.get("kind").asText(),
                root.get("transactionRef").asText(),
                root.get("machineId").asText(),
                root.get("processor").asText(),
                text(root, "paymentMethod"),
                root.get("amount").decimalValue().setScale(2, java.math.RoundingMode.UNNECESSARY),
                root.hasNonNull("currency") ? root.get("currency").asText() : "IDR",
                text(root, "settlementBatch"),
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
