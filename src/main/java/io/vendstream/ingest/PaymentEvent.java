package io.vendstream.ingest;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * A valid payment processor event, as the contract payment-v1 describes it: an authorization, a
 * settlement, a refund or a void of the cashless vend that carries the same transactionRef.
 */
public record PaymentEvent(
        UUID paymentEventId,
        String kind,
        String transactionRef,
        String machineId,
        String processor,
        String paymentMethod,
        BigDecimal amount,
        String currency,
        String settlementBatch,
        Instant occurredAt) {
}
