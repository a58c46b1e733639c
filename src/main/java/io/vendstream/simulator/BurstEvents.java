package io.vendstream.simulator;

import java.time.Clock;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.Random;

/**
 * The simulator as a library, for load generators such as the benchmark: N records of the
 * campus fleet, reproducible by seed, generated lazily and stamped with the clock's time as
 * they are taken. Publish {@code record.key()} and {@code EventJson.toBytes(record.payload())}.
 */
public final class BurstEvents {

    private BurstEvents() {
    }

    /** Valid events of the built-in campus, in the campus time zone Asia/Jakarta. */
    public static Iterator<SimulatedRecord> generate(long seed, int count) {
        return generate(FleetFile.builtIn(), seed, count, Faults.NONE, Clock.system(ZoneId.of("Asia/Jakarta")));
    }

    public static Iterator<SimulatedRecord> generate(Fleet fleet, long seed, int count, Faults faults, Clock clock) {
        Random random = new Random(seed);
        EventSource source = new EventSource(new FleetSimulator(fleet, random, clock.getZone()), faults, random);
        return VendingSimulator.records(source, count, clock);
    }
}
