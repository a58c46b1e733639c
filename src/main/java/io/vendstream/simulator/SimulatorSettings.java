package io.vendstream.simulator;

import java.util.Locale;

/**
 * The simulator's knobs from {@code vendstream.simulator.*}.
 *
 * @param mode            {@code campus}: every machine sells at the rate its corridor has at this
 *                        campus hour (the fleet file's demand), restocked by the crew's rounds and
 *                        call-outs; {@code normal}: a steady stream at {@code eventsPerSecond}, a
 *                        load for throughput demos; {@code burst}: {@code burstCount} events once,
 *                        as fast as the producer takes them
 * @param followCampusDay when true the live rate is the rate at the fleet's busiest hour and
 *                        follows the campus day (quiet nights); when false it is constant
 * @param backfillDays    days of history generated (with past timestamps) before the live stream
 * @param seed            the random seed in use, logged so that a run can be repeated
 */
public record SimulatorSettings(Mode mode, double eventsPerSecond, long periodMillis, boolean followCampusDay,
                                int burstCount, int backfillDays, long seed) {

    public enum Mode {
        CAMPUS, NORMAL, BURST;

        public static Mode parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("vendstream.simulator.mode must be campus, normal or burst, not '" + value + "'");
            }
        }
    }

    public SimulatorSettings {
        if (eventsPerSecond < 0) {
            throw new IllegalArgumentException("vendstream.simulator.events-per-second must be >= 0");
        }
        if (periodMillis < 1) {
            throw new IllegalArgumentException("vendstream.simulator.period must be >= 1 ms");
        }
        if (burstCount < 0 || backfillDays < 0) {
            throw new IllegalArgumentException("vendstream.simulator.burst-count and backfill-days must be >= 0");
        }
    }
}
