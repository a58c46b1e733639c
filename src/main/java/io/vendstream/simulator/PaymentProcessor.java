package io.vendstream.simulator;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The payment processor the simulated fleet's cashless sales (card, qris, ewallet) go through. It
 * sees each tick's records once ({@link VendingSimulator#observeSales}), gives every cashless sale a
 * transactionRef, and plays the processor's side of it (contract payment-v1): an authorization just
 * before the vend, a settlement in the nightly batch at the settlement time, and, at the configured
 * fractions of cashless vends, the exceptions operators chase: a failed vend refunded (no exception)
 * or not, a vend the processor never heard of, a double authorization, a missing settlement, a
 * settlement short of the authorized amount, an event delivered late. Route
 * {@code simulate-payment-processor} publishes what is due ({@link #due()}) to the payments topic.
 *
 * <p>Every injected exception is kept by kind ({@link #injected()}), so a run can be checked against
 * what the matching found. Settings: the Simulator group of application.properties
 * ({@code vendstream.simulator.payments.*}), set by name from routes/simulator-beans.camel.yaml.
 */
public final class PaymentProcessor {

    /** The names the matching gives the exceptions this processor injects (docs/payments.md). */
    public static final String PAYMENT_WITHOUT_VEND = "PAYMENT_WITHOUT_VEND";
    public static final String VEND_WITHOUT_PAYMENT = "VEND_WITHOUT_PAYMENT";
    public static final String DOUBLE_AUTHORIZATION = "DOUBLE_AUTHORIZATION";
    public static final String SETTLEMENT_MISSING = "SETTLEMENT_MISSING";
    public static final String AMOUNT_MISMATCH = "AMOUNT_MISMATCH";

    /** The wire form of one payment event, field for field as schema/payment-v1.json orders them. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"paymentEventId", "kind", "transactionRef", "machineId", "processor", "paymentMethod", "amount",
            "currency", "settlementBatch", "occurredAt"})
    public record PaymentWire(String paymentEventId, String kind, String transactionRef, String machineId, String processor,
            String paymentMethod, BigDecimal amount, String currency, String settlementBatch, String occurredAt) {
    }

    /** A payment event waiting for its time (and the compact settlement that is made from it then). */
    private record Pending(long dueAtMillis, long order, String kind, String transactionRef, String machineId, String processor,
            String paymentMethod, BigDecimal amount, String currency, long occurredAtMillis) {
    }

    private String timezone = "UTC";
    private String seed = "";
    private boolean enabled = true;
    private final Map<String, String> processors = new TreeMap<>();
    private LocalTime settlementTime = LocalTime.of(1, 53);
    private double refundedFailureFraction;
    private double unrefundedFailureFraction;
    private double missingAuthorizationFraction;
    private double doubleAuthorizationFraction;
    private double missingSettlementFraction;
    private double shortSettlementFraction;
    private double lateEventFraction;
    private int lateDelayMinutes = 20;
    private int maxPending = Integer.MAX_VALUE;

    private ZoneId zone = ZoneId.of("UTC");
    private Random random = new Random();
    private Clock clock = Clock.systemUTC();
    private final PriorityQueue<Pending> pending = new PriorityQueue<>(
            (a, b) -> a.dueAtMillis != b.dueAtMillis ? Long.compare(a.dueAtMillis, b.dueAtMillis) : Long.compare(a.order, b.order));
    private long order;
    private final Map<String, Set<String>> injected = new TreeMap<>();

    public void setTimezone(String timezone) {
        this.timezone = timezone;
    }

    public void setSeed(String seed) {
        this.seed = seed == null ? "" : seed;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** {@code card:acquirer-bni,qris:qris-switch,...}: who processes each cashless payment method. */
    public void setProcessors(String processors) {
        this.processors.clear();
        for (String pair : processors.split(",")) {
            String[] parts = pair.trim().split(":");
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("vendstream.simulator.payments.processors: '" + pair
                        + "' is not method:processor (e.g. card:acquirer-bni)");
            }
            this.processors.put(parts[0].trim(), parts[1].trim());
        }
    }

    public void setSettlementTime(String settlementTime) {
        this.settlementTime = LocalTime.parse(settlementTime);
    }

    public void setRefundedFailureFraction(double f) {
        this.refundedFailureFraction = f;
    }

    public void setUnrefundedFailureFraction(double f) {
        this.unrefundedFailureFraction = f;
    }

    public void setMissingAuthorizationFraction(double f) {
        this.missingAuthorizationFraction = f;
    }

    public void setDoubleAuthorizationFraction(double f) {
        this.doubleAuthorizationFraction = f;
    }

    public void setMissingSettlementFraction(double f) {
        this.missingSettlementFraction = f;
    }

    public void setShortSettlementFraction(double f) {
        this.shortSettlementFraction = f;
    }

    public void setLateEventFraction(double f) {
        this.lateEventFraction = f;
    }

    public void setLateDelayMinutes(int minutes) {
        this.lateDelayMinutes = minutes;
    }

    /** At most this many events wait for their time; beyond it the earliest go out now (an intraday batch). */
    public void setMaxPending(int maxPending) {
        this.maxPending = maxPending;
    }

    /** Hooks this processor to the fleet's sales (the simulator bean), once its settings are set (the bean's init). */
    public void setVendingSimulator(VendingSimulator simulator) {
        simulator.observeSales(this::vended);
    }

    /** Applies the settings (the bean's init method): the campus time zone, the seed, the clock. */
    public void start() {
        start(Clock.system(ZoneId.of(timezone)));
    }

    void start(Clock clock) {
        this.zone = ZoneId.of(timezone);
        this.clock = clock;
        // its own stream of random numbers, so adding payments does not change the fleet's seeded run
        this.random = seed.isBlank() ? new Random() : new Random(Long.parseLong(seed) ^ 0x5EED_CA5EL);
        double total = refundedFailureFraction + unrefundedFailureFraction + missingAuthorizationFraction
                + doubleAuthorizationFraction + missingSettlementFraction + shortSettlementFraction + lateEventFraction;
        if (total > 1.0) {
            throw new IllegalArgumentException("vendstream.simulator.payments.*-fraction add up to " + total + ", more than 1");
        }
    }

    /**
     * The records of a tick as they go out: every cashless sale with a transactionRef (and its payment
     * events scheduled), everything else untouched.
     */
    public synchronized List<SimulatedRecord> vended(List<SimulatedRecord> records) {
        if (!enabled) {
            return records;
        }
        List<SimulatedRecord> out = new ArrayList<>(records.size());
        for (SimulatedRecord record : records) {
            if (WireEvent.SALE.equals(record.type()) && record.payload() instanceof WireEvent sale && processors.containsKey(sale.paymentMethod())) {
                String ref = play(sale);
                Map<String, Object> withRef = EventJson.toMap(sale);
                withRef.put("transactionRef", ref);
                out.add(new SimulatedRecord(record.key(), record.type(), withRef));
            } else {
                out.add(record);
            }
        }
        return out;
    }

    /**
     * The payment events due now, oldest first (route simulate-payment-processor), keyed by machine.
     * When more than max-pending wait (a day of settlements at a high rate), the earliest go out now,
     * stamped now, as a processor's intraday batch would settle them: the simulator's memory stays bounded.
     */
    public synchronized List<SimulatedRecord> due() {
        long now = clock.millis();
        List<SimulatedRecord> due = new ArrayList<>();
        while (!pending.isEmpty() && (pending.peek().dueAtMillis <= now || pending.size() > maxPending)) {
            Pending p = pending.poll();
            long occurredAt = Math.min(p.occurredAtMillis, now);
            PaymentWire wire = new PaymentWire(WireEvent.newEventId(random), p.kind, p.transactionRef, p.machineId, p.processor,
                    p.paymentMethod, p.amount, p.currency,
                    "settlement".equals(p.kind) ? batchOf(p.processor, occurredAt) : null,
                    WireEvent.timestamp(ZonedDateTime.ofInstant(Instant.ofEpochMilli(occurredAt), zone)));
            due.add(new SimulatedRecord(p.machineId, "payment", wire));
        }
        return due;
    }

    /** Payment events scheduled and not yet due. */
    public synchronized int pendingCount() {
        return pending.size();
    }

    /** The transactionRefs of every exception injected so far, by the kind matching should name it. */
    public synchronized Map<String, Set<String>> injected() {
        Map<String, Set<String>> copy = new TreeMap<>();
        injected.forEach((kind, refs) -> copy.put(kind, Collections.unmodifiableSet(new TreeSet<>(refs))));
        return copy;
    }

    // --- one cashless vend at the processor -----------------------------------------------------

    private String play(WireEvent sale) {
        String ref = newRef();
        String processor = processors.get(sale.paymentMethod());
        BigDecimal amount = sale.unitPrice().multiply(BigDecimal.valueOf(sale.quantity())).setScale(2, RoundingMode.UNNECESSARY);
        long vendAt = sale.occurredAtTime().toInstant().toEpochMilli();
        long authAt = vendAt - 2_000;
        long settleAt = settlementAfter(vendAt);
        String currency = sale.currency() == null ? "IDR" : sale.currency();
        Base base = new Base(sale.machineId(), processor, sale.paymentMethod(), currency);

        double u = random.nextDouble();
        double edge = refundedFailureFraction;
        if (u < edge) {
            // an earlier attempt whose vend failed, voided at once; the student then bought normally
            String failed = newRef();
            schedule(base, "authorization", failed, amount, authAt - 30_000, authAt - 30_000);
            schedule(base, "void", failed, amount, authAt - 25_000, authAt - 25_000);
            normal(base, ref, amount, authAt, settleAt);
            return ref;
        }
        if (u < (edge += unrefundedFailureFraction)) {
            // an earlier attempt whose vend failed and was never given back: charged, settled, no vend
            String failed = newRef();
            schedule(base, "authorization", failed, amount, authAt - 30_000, authAt - 30_000);
            schedule(base, "settlement", failed, amount, settleAt, settleAt);
            record(PAYMENT_WITHOUT_VEND, failed);
            normal(base, ref, amount, authAt, settleAt);
            return ref;
        }
        if (u < (edge += missingAuthorizationFraction)) {
            record(VEND_WITHOUT_PAYMENT, ref);
            return ref;
        }
        if (u < (edge += doubleAuthorizationFraction)) {
            schedule(base, "authorization", ref, amount, authAt - 1_000, authAt - 1_000);
            normal(base, ref, amount, authAt, settleAt);
            schedule(base, "settlement", ref, amount, settleAt, settleAt);
            record(DOUBLE_AUTHORIZATION, ref);
            return ref;
        }
        if (u < (edge += missingSettlementFraction)) {
            schedule(base, "authorization", ref, amount, authAt, authAt);
            record(SETTLEMENT_MISSING, ref);
            return ref;
        }
        if (u < (edge += shortSettlementFraction)) {
            schedule(base, "authorization", ref, amount, authAt, authAt);
            BigDecimal shortAmount = amount.multiply(new BigDecimal("0.95")).setScale(2, RoundingMode.HALF_UP);
            schedule(base, "settlement", ref, shortAmount, settleAt, settleAt);
            record(AMOUNT_MISMATCH, ref);
            return ref;
        }
        if (u < (edge += lateEventFraction)) {
            // delivered late, stamped when it happened: matched all the same within the grace
            long delay = 60_000L + (long) (random.nextDouble() * Math.max(0, lateDelayMinutes - 1) * 60_000L);
            if (random.nextBoolean()) {
                schedule(base, "authorization", ref, amount, authAt, authAt + delay);
                schedule(base, "settlement", ref, amount, settleAt, settleAt);
            } else {
                schedule(base, "authorization", ref, amount, authAt, authAt);
                schedule(base, "settlement", ref, amount, settleAt, settleAt + delay);
            }
            return ref;
        }
        normal(base, ref, amount, authAt, settleAt);
        return ref;
    }

    private record Base(String machineId, String processor, String paymentMethod, String currency) {
    }

    private void normal(Base base, String ref, BigDecimal amount, long authAt, long settleAt) {
        schedule(base, "authorization", ref, amount, authAt, authAt);
        schedule(base, "settlement", ref, amount, settleAt, settleAt);
    }

    private void schedule(Base base, String kind, String ref, BigDecimal amount, long occurredAt, long dueAt) {
        pending.add(new Pending(dueAt, order++, kind, ref, base.machineId, base.processor, base.paymentMethod, amount,
                base.currency, occurredAt));
    }

    private void record(String kind, String ref) {
        injected.computeIfAbsent(kind, k -> new TreeSet<>()).add(ref);
    }

    private String newRef() {
        return "TX-" + WireEvent.newEventId(random).replace("-", "").substring(0, 20).toUpperCase(java.util.Locale.ROOT);
    }

    /** The next nightly batch at least an hour after the vend (campus time). */
    private long settlementAfter(long vendAtMillis) {
        ZonedDateTime earliest = Instant.ofEpochMilli(vendAtMillis).atZone(zone).plusHours(1);
        ZonedDateTime batch = earliest.toLocalDate().atTime(settlementTime).atZone(zone);
        if (batch.isBefore(earliest)) {
            batch = batch.plusDays(1);
        }
        return batch.toInstant().toEpochMilli();
    }

    private String batchOf(String processor, long settledAtMillis) {
        return processor + "-" + Instant.ofEpochMilli(settledAtMillis).atZone(zone).toLocalDate();
    }

    /** The processor with these settings (the property names after vendstream.simulator.payments.) on this clock, started. */
    public static PaymentProcessor started(Map<String, String> settings, Clock clock) {
        PaymentProcessor p = new PaymentProcessor();
        Map<String, String> s = new LinkedHashMap<>(settings);
        p.setTimezone(s.getOrDefault("timezone", clock.getZone().getId()));
        p.setSeed(s.getOrDefault("seed", "1"));
        p.setProcessors(s.getOrDefault("processors", "card:acquirer-bni,qris:qris-switch,ewallet:ewallet-hub"));
        p.setRefundedFailureFraction(Double.parseDouble(s.getOrDefault("refunded-failure-fraction", "0")));
        p.setUnrefundedFailureFraction(Double.parseDouble(s.getOrDefault("unrefunded-failure-fraction", "0")));
        p.setMissingAuthorizationFraction(Double.parseDouble(s.getOrDefault("missing-authorization-fraction", "0")));
        p.setDoubleAuthorizationFraction(Double.parseDouble(s.getOrDefault("double-authorization-fraction", "0")));
        p.setMissingSettlementFraction(Double.parseDouble(s.getOrDefault("missing-settlement-fraction", "0")));
        p.setShortSettlementFraction(Double.parseDouble(s.getOrDefault("short-settlement-fraction", "0")));
        p.setLateEventFraction(Double.parseDouble(s.getOrDefault("late-event-fraction", "0")));
        p.start(clock);
        return p;
    }
}
