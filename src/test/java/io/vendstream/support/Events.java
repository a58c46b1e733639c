package io.vendstream.support;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Builds contract-v1 events for tests, as a map that a test can then break on purpose. */
public final class Events {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter RFC_3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    private Events() {
    }

    public static Map<String, Object> sale(String machineId, String product, int quantity, String unitPrice, int stockAfter) {
        Map<String, Object> e = base("sale", machineId, product, quantity);
        e.put("unitPrice", new java.math.BigDecimal(unitPrice));
        e.put("currency", "IDR");
        e.put("paymentMethod", "qris");
        e.put("stockAfter", stockAfter);
        return e;
    }

    public static Map<String, Object> restock(String machineId, String product, int quantity, int stockAfter) {
        Map<String, Object> e = base("restock", machineId, product, quantity);
        e.put("stockAfter", stockAfter);
        return e;
    }

    private static Map<String, Object> base(String type, String machineId, String product, int quantity) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("eventId", UUID.randomUUID().toString());
        e.put("type", type);
        e.put("machineId", machineId);
        e.put("location", "Faculty of Engineering");
        e.put("product", product);
        e.put("category", "drink");
        e.put("quantity", quantity);
        e.put("occurredAt", timestamp(Instant.now()));
        return e;
    }

    /**
     * RFC 3339 with seconds always present: OffsetDateTime.toString() drops ":00" at a whole minute
     * ("...T23:35+07:00"), which the contract rightly rejects.
     */
    public static String timestamp(Instant instant) {
        return RFC_3339.format(instant.truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.ofHours(7)));
    }

    public static byte[] json(Map<String, Object> event) {
        try {
            return MAPPER.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
