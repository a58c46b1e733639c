package io.vendstream.ingest;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * A valid sale or restock, as the event contract v1 describes it. Sale-only fields are null for restocks;
 * transactionRef is set only on a cashless sale whose machine reports its processor reference.
 */
public record VendingEvent(
        UUID eventId,
        Type type,
        String machineId,
        String location,
        String product,
        String category,
        BigDecimal unitPrice,
        String currency,
        int quantity,
        String paymentMethod,
        Integer stockAfter,
        Instant occurredAt,
        String transactionRef) {

    /** A sale or restock without a payment processor's reference (cash, or a machine that reports none). */
    public VendingEvent(UUID eventId, Type type, String machineId, String location, String product, String category,
            BigDecimal unitPrice, String currency, int quantity, String paymentMethod, Integer stockAfter, Instant occurredAt) {
        this(eventId, type, machineId, location, product, category, unitPrice, currency, quantity, paymentMethod, stockAfter,
                occurredAt, null);
    }

    public enum Type { SALE, RESTOCK }

    public boolean isSale() {
        return type == Type.SALE;
    }

    /** unitPrice x quantity, the revenue of a sale. */
    public BigDecimal amount() {
        return unitPrice == null ? BigDecimal.ZERO : unitPrice.multiply(BigDecimal.valueOf(quantity));
    }

    /** How this event moves the stock of its slot when it does not report stockAfter. */
    public int stockDelta() {
        return isSale() ? -quantity : quantity;
    }
}
