package io.vendstream.simulator;

import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.vendstream.simulator.Fleet.Machine;

/**
 * Turns the fleet model into the records to publish, one at a time, mixing in the configured
 * faults: a record is a duplicate of a recent event, an invalid event of some kind, or else the
 * next event of the fleet (a sale, or a restock that a sale triggered). Every record counts
 * towards the rate, so the configured fractions are fractions of what is published.
 */
public final class EventSource {

    private static final int RECENT = 64;
    // comfortably over the 64 KiB limit once the event itself is added
    private static final int OVERSIZE_PADDING = 70_000;
    private static final List<String> REQUIRED = List.of("eventId", "type", "machineId", "location", "product",
            "quantity", "occurredAt", "unitPrice", "paymentMethod");

    private final FleetSimulator fleet;
    private final Faults faults;
    private final Random random;
    private final Deque<WireEvent> pending = new ArrayDeque<>();
    private final List<WireEvent> recent = new ArrayList<>();

    public EventSource(FleetSimulator fleet, Faults faults, Random random) {
        this.fleet = fleet;
        this.faults = faults;
        this.random = random;
    }

    public FleetSimulator fleet() {
        return fleet;
    }

    /** The next record to publish at campus time {@code now}; null only if the whole fleet is sold out. */
    public SimulatedRecord next(ZonedDateTime now) {
        if (faults.any()) {
            double r = random.nextDouble();
            if (r < faults.duplicateFraction()) {
                if (!recent.isEmpty()) {
                    WireEvent again = recent.get(random.nextInt(recent.size()));
                    return new SimulatedRecord(again.machineId(), "duplicate", again);
                }
            } else {
                r -= faults.duplicateFraction();
                for (InvalidKind kind : InvalidKind.values()) {
                    double f = faults.invalidFraction(kind);
                    if (r < f) {
                        return invalid(kind, now);
                    }
                    r -= f;
                }
            }
        }
        WireEvent event = nextValid(now);
        return event == null ? null : new SimulatedRecord(event.machineId(), event.type(), event);
    }

    /**
     * A record of the campus mode with the configured faults: before it, with their fractions, a
     * duplicate of a recent event or an invalid event; the record itself always follows.
     */
    public List<SimulatedRecord> withFaults(SimulatedRecord record, ZonedDateTime now) {
        if (record.payload() instanceof WireEvent event) {
            remember(event);
        }
        if (!faults.any()) {
            return List.of(record);
        }
        double r = random.nextDouble();
        if (r < faults.duplicateFraction()) {
            WireEvent again = recent.get(random.nextInt(recent.size()));
            return List.of(new SimulatedRecord(again.machineId(), "duplicate", again), record);
        }
        r -= faults.duplicateFraction();
        for (InvalidKind kind : InvalidKind.values()) {
            double f = faults.invalidFraction(kind);
            if (r < f) {
                return List.of(invalid(kind, now), record);
            }
            r -= f;
        }
        return List.of(record);
    }

    /** Queues events that do not come from the demand draw (history, scheduled restock visits). */
    public void enqueue(List<WireEvent> events) {
        pending.addAll(events);
    }

    public boolean hasPending() {
        return !pending.isEmpty();
    }

    private WireEvent nextValid(ZonedDateTime now) {
        if (pending.isEmpty()) {
            pending.addAll(fleet.nextSale(now));
        }
        WireEvent event = pending.poll();
        if (event != null) {
            remember(event);
        }
        return event;
    }

    private void remember(WireEvent event) {
        if (recent.size() == RECENT) {
            recent.remove(random.nextInt(RECENT));
        }
        recent.add(event);
    }

    /** A broken event built around a plausible sale; the fleet's stock is not touched. */
    SimulatedRecord invalid(InvalidKind kind, ZonedDateTime now) {
        Machine machine = fleet.anyMachine();
        Fleet.Product product = fleet.fleet().products().get(random.nextInt(fleet.fleet().products().size()));
        WireEvent sale = new WireEvent(WireEvent.newEventId(random), WireEvent.SALE, machine.id(),
                machine.location().name(), product.name(), product.category(), product.price(), "IDR", 1, "qris",
                null, WireEvent.timestamp(now));
        Object payload = switch (kind) {
            case MALFORMED_JSON -> {
                String json = EventJson.toJson(sale);
                yield new RawJson(json.substring(0, json.length() / 2));
            }
            case MISSING_FIELD -> {
                Map<String, Object> map = EventJson.toMap(sale);
                map.remove(REQUIRED.get(random.nextInt(REQUIRED.size())));
                yield map;
            }
            case NEGATIVE_PRICE -> {
                Map<String, Object> map = EventJson.toMap(sale);
                map.put("unitPrice", product.price().negate().min(java.math.BigDecimal.valueOf(-1000)));
                yield map;
            }
            case FUTURE_TIMESTAMP -> sale.withOccurredAt(WireEvent.timestamp(now.plusHours(1)));
            case WRONG_TYPE -> {
                Map<String, Object> map = EventJson.toMap(sale);
                switch (random.nextInt(3)) {
                    case 0 -> map.put("quantity", "1");
                    case 1 -> map.put("unitPrice", product.price().toPlainString());
                    default -> map.put("machineId", 42);
                }
                yield map;
            }
            case OVERSIZE -> {
                Map<String, Object> map = new LinkedHashMap<>(EventJson.toMap(sale));
                map.put("diagnostics", "x".repeat(OVERSIZE_PADDING));
                yield map;
            }
            // a bare JSON string (a firmware writing its CSV line as JSON), not an array: on a machine's MQTT
            // events topic an array is a batch of events, which the intake would cut into its elements
            case NOT_AN_OBJECT -> String.join(";", sale.type(), sale.machineId(), sale.product(), sale.unitPrice().toPlainString());
        };
        return new SimulatedRecord(machine.id(), kind.type(), payload);
    }
}
