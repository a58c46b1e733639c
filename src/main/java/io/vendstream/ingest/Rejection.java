package io.vendstream.ingest;

/**
 * Why a record was refused: a stable reason code for dashboards and alerts, and a detail for
 * people that names the offending field.
 */
public record Rejection(Reason reason, String detail, String eventId) {

    public enum Reason {
        /** The bytes are not valid UTF-8. */
        INVALID_ENCODING,
        /** Not parseable as one JSON value (including an empty payload). */
        MALFORMED_JSON,
        /** Valid JSON, but not a JSON object. */
        NOT_AN_OBJECT,
        /** A field is missing, mistyped or out of range (the JSON Schema says which). */
        SCHEMA_VIOLATION,
        /** occurredAt is more than the allowed skew in the future. */
        FUTURE_TIMESTAMP,
        /** The payload is over the size limit; it is kept, but not parsed. */
        PAYLOAD_TOO_LARGE,
        /**
         * occurredAt is older than the retention horizon (vendstream.retention.raw-days): raw rows that
         * old are purged, so such an event could no longer be recognised as a duplicate.
         */
        BEYOND_RETENTION,
        /**
         * A machine that connected with its own credentials (MQTT or HTTP) sent an event naming
         * another machine: a device may act only as itself. The detail names the sender.
         */
        DEVICE_MISMATCH
    }
}
