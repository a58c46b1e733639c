package io.vendstream.simulator;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The wire form of one event the simulator publishes: the JSON object of contract v1 (see
 * {@code schema/vending-event-v1.json}), field for field and in the schema's order. The ingest
 * side reads events with its own {@code ingest.VendingEvent}; the schema is their only contract.
 * Sales carry price, currency and payment method; restocks leave them out. {@code stockAfter} is always reported.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"eventId", "type", "machineId", "location", "product", "category", "unitPrice", "currency",
        "quantity", "paymentMethod", "stockAfter", "occurredAt"})
public record WireEvent(
        // which event, and of what kind (sale or restock)
        String eventId, String type,
        // where: the machine and its location
        String machineId, String location,
        // what: the product, and for a sale its price, currency and how it was paid
        String product, String category, BigDecimal unitPrice, String currency, int quantity, String paymentMethod,
        // the slot after the event, and when it happened (ISO-8601 with the campus offset)
        Integer stockAfter, String occurredAt) {

    public static final String SALE = "sale";
    public static final String RESTOCK = "restock";

    /**
     * RFC 3339 with milliseconds and the campus offset. Not ISO_OFFSET_DATE_TIME: that one drops
     * the seconds when they are zero ("10:15+07:00"), which RFC 3339 does not allow.
     */
    public static final DateTimeFormatter OCCURRED_AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX");

    public static String timestamp(ZonedDateTime time) {
        return OCCURRED_AT.format(time);
    }

    /** A version 4 UUID drawn from the simulator's own random source, so a seeded run repeats exactly. */
    public static String newEventId(Random random) {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    @JsonIgnore
    public boolean isSale() {
        return SALE.equals(type);
    }

    @JsonIgnore
    public OffsetDateTime occurredAtTime() {
        return OffsetDateTime.parse(occurredAt);
    }

    public WireEvent withEventId(String id) {
        return new WireEvent(id, type, machineId, location, product, category, unitPrice, currency, quantity,
                paymentMethod, stockAfter, occurredAt);
    }

    public WireEvent withOccurredAt(String time) {
        return new WireEvent(eventId, type, machineId, location, product, category, unitPrice, currency, quantity,
                paymentMethod, stockAfter, time);
    }
}
