package io.vendstream.simulator;

import java.util.Locale;

/**
 * The kinds of broken events the simulator can inject, each with the reason code the ingest
 * validator must give it (contract v1). The name in lower case is the metrics type and the
 * property suffix: {@code vendstream.simulator.faults.malformed-json-fraction}.
 */
public enum InvalidKind {
    /** The payload is cut short: not JSON at all. */
    MALFORMED_JSON("MALFORMED_JSON"),
    /** A required field is absent. */
    MISSING_FIELD("SCHEMA_VIOLATION"),
    /** A sale with a price below zero. */
    NEGATIVE_PRICE("SCHEMA_VIOLATION"),
    /** occurredAt an hour ahead of now, beyond the 5 minutes of clock skew the contract allows. */
    FUTURE_TIMESTAMP("FUTURE_TIMESTAMP"),
    /** A field of the wrong JSON type, e.g. quantity as a string. */
    WRONG_TYPE("SCHEMA_VIOLATION"),
    /** An otherwise valid event padded beyond 64 KiB. */
    OVERSIZE("PAYLOAD_TOO_LARGE"),
    /** Valid JSON, but an array rather than an object. */
    NOT_AN_OBJECT("NOT_AN_OBJECT");

    private final String expectedReason;

    InvalidKind(String expectedReason) {
        this.expectedReason = expectedReason;
    }

    /** The reason code the ingest route records for this kind. */
    public String expectedReason() {
        return expectedReason;
    }

    /** {@code malformed_json}: the metrics type. */
    public String type() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code malformed-json}: the property name part. */
    public String propertyName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
