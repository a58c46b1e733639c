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

    /**
     * The faults of {@code vendstream.simulator.faults.*}, as {@code routes/simulator-beans.camel.yaml}
     * passes them: the duplicate fraction, then one fraction per invalid kind in the order of
     * {@link InvalidKind}. (Boxed: Camel matches a whole number such as {@code 0} in a beans file
     * to {@code Double} but not to {@code double}.)
     */
    public static Faults fromFractions(Double duplicate, Double malformedJson, Double missingField, Double negativePrice,
                                       Double futureTimestamp, Double wrongType, Double oversize, Double notAnObject) {
        Double[] fractions = {malformedJson, missingField, negativePrice, futureTimestamp, wrongType, oversize, notAnObject};
        Map<InvalidKind, Double> invalid = new EnumMap<>(InvalidKind.class);
        for (InvalidKind kind : InvalidKind.values()) {
            invalid.put(kind, fractions[kind.ordinal()]);
        }
        return new Faults(duplicate, invalid);
    }

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
