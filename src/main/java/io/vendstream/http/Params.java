package io.vendstream.http;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The query parameters of one request, read from the message headers the HTTP consumer made of
 * them. Every accessor validates and throws {@link BadParameterException} naming the parameter,
 * so a bad value becomes a 400 before any SQL runs (values are only ever bound, never spliced).
 */
public final class Params {

    // the event contract's rules for these fields: a filter outside them can never match
    private static final Pattern MACHINE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern REASON = Pattern.compile("[A-Z_]{1,40}");
    private static final int MAX_LOCATION_LENGTH = 100;

    private final Map<String, Object> headers;
    private final ZoneId zone;

    public Params(Map<String, Object> headers, ZoneId zone) {
        this.headers = headers;
        this.zone = zone;
    }

    /** The raw value, or null when absent or empty (an empty filter means no filter). */
    public String raw(String name) {
        Object value = headers.get(name);
        if (value instanceof Collection<?> many) {
            if (many.size() > 1) {
                throw new BadParameterException(name, "'" + name + "' must be given once");
            }
            value = many.isEmpty() ? null : many.iterator().next();
        }
        if (value == null) {
            return null;
        }
        String text = value.toString().trim();
        return text.isEmpty() ? null : text;
    }

    /**
     * The exchange property that tells an API route to answer with the bean's CSV method instead of
     * JSON (the {@code json-or-csv} answer of routes/api-rest.camel.yaml).
     */
    public static final String CSV_PROPERTY = "vendstreamCsv";

    /**
     * Whether the request asks for CSV: {@code format=csv}, or no {@code format} and an
     * {@code Accept} header naming {@code text/csv}; {@code format} is json or csv.
     */
    public boolean wantsCsv() {
        String format = raw("format");
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            throw new BadParameterException("format", "'format' must be json or csv");
        }
        Object accept = headers.get("Accept");
        return "csv".equals(format) || format == null && accept != null && accept.toString().contains("text/csv");
    }

    public String location() {
        String value = raw("location");
        if (value != null && (value.length() > MAX_LOCATION_LENGTH || value.chars().anyMatch(Character::isISOControl))) {
            throw new BadParameterException("location", "'location' must be 1-100 printable characters");
        }
        return value;
    }

    /** Whether {@code value} is a machine id as the event contract defines it. */
    public static boolean isMachineId(String value) {
        return value != null && MACHINE_ID.matcher(value).matches();
    }

    public String machineId() {
        String value = raw("machineId");
        if (value != null && !MACHINE_ID.matcher(value).matches()) {
            throw new BadParameterException("machineId", "'machineId' must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        return value;
    }

    public String reason() {
        String value = raw("reason");
        if (value != null && !REASON.matcher(value).matches()) {
            throw new BadParameterException("reason", "'reason' must be a reason code such as SCHEMA_VIOLATION");
        }
        return value;
    }

    public int integer(String name, int fallback, int min, int max) {
        String value = raw(name);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the allowed range
        }
        throw new BadParameterException(name, "'" + name + "' must be a whole number from " + min + " to " + max);
    }

    /**
     * An ISO-8601 instant: {@code 2026-05-04T10:00:00Z}, with an offset ({@code +07:00}), a local
     * date-time or a plain date (both read in the campus time zone). Null when absent.
     */
    public Instant instant(String name) {
        String value = raw(name);
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeException e) {
            // try the shorter forms
        }
        try {
            return LocalDateTime.parse(value).atZone(zone).toInstant();
        } catch (DateTimeException e) {
            // try a date
        }
        try {
            return LocalDate.parse(value).atStartOfDay(zone).toInstant();
        } catch (DateTimeException e) {
            throw new BadParameterException(name, "'" + name + "' must be an ISO-8601 date or timestamp, e.g. 2026-05-04 or 2026-05-04T10:00:00Z");
        }
    }
}
