package io.vendstream.simulator;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * How often the simulator misbehaves, as fractions of all records it publishes: duplicates
 * (an event sent again with the same eventId, as a machine retrying) and each kind of invalid
 * event. All zero by default.
 */
public record Faults(double duplicateFraction, Map<InvalidKind, Double> invalidFractions) {

    public static final Faults NONE = new Faults(0, Map.of());

    public Faults {
        invalidFractions = Collections.unmodifiableMap(invalidFractions.isEmpty()
                ? new EnumMap<>(InvalidKind.class) : new EnumMap<>(invalidFractions));
        double total = duplicateFraction;
        if (duplicateFraction < 0 || duplicateFraction > 1) {
            throw new IllegalArgumentException("the duplicate fraction must be between 0 and 1, not " + duplicateFraction);
        }
        for (Map.Entry<InvalidKind, Double> e : invalidFractions.entrySet()) {
            if (e.getValue() < 0 || e.getValue() > 1) {
                throw new IllegalArgumentException("the " + e.getKey().propertyName() + " fraction must be between 0 and 1, not "
                        + e.getValue());
            }
            total += e.getValue();
        }
        if (total > 1) {
            throw new IllegalArgumentException("fault fractions add up to " + total + ", more than all events");
        }
    }

    public double invalidFraction(InvalidKind kind) {
        return invalidFractions.getOrDefault(kind, 0.0);
    }

    public boolean any() {
        return duplicateFraction > 0 || invalidFractions.values().stream().anyMatch(f -> f > 0);
    }
}
