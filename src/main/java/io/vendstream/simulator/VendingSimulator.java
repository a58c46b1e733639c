package io.vendstream.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bean behind the route {@code simulate-vending-sales}: each timer tick asks it for the
 * records due since the last tick, so the configured events per second hold across the fleet
 * whatever the timer period. The first tick also brings the backfilled history. In burst mode
 * the ticks bring the burst in slices, one after another, generated as the route takes them so
 * that every occurredAt is the moment its event was made.
 */
public final class VendingSimulator {

    private static final Logger LOG = LoggerFactory.getLogger(VendingSimulator.class);
    // after a stall (broker down, long GC) catch up at most this many periods, not hours of backlog
    private static final int MAX_CATCH_UP_PERIODS = 25;
    // a burst goes out in slices, so a million-record burst never sits in memory at once
    static final int BURST_SLICE = 10_000;

    private final EventSource source;
    private final SimulatorSettings settings;
    private final Clock clock;
    // records already in the events topic: history is backfilled only on a first start (none)
    private final java.util.function.LongSupplier recordsInTopic;
    private ZonedDateTime lastTick;
    // the backfill under way: where the next day of history starts, where it ends, records so far
    private ZonedDateTime backfillFrom;
    private ZonedDateTime backfillTo;
    private long backfilled;
    private long backfillStarted;
    private double carry;
    private boolean burstStarted;
    // whether the last tick handed over history (backfill), which goes straight to Kafka, not through the machines
    private boolean history;
    private boolean announced;
    private int burstRemaining;
    // counted by the thread that generates events, read by others
    private final java.util.concurrent.atomic.AtomicLong lostEvents = new java.util.concurrent.atomic.AtomicLong();
    // sees each tick's records before they go out (the payment processor: PaymentProcessor)
    private java.util.function.UnaryOperator<List<SimulatedRecord>> salesObserver = java.util.function.UnaryOperator.identity();

    public VendingSimulator(EventSource source, SimulatorSettings settings, Clock clock) {
        this(source, settings, clock, () -> 0L);
    }

    /** {@code recordsInTopic}: how many records the events topic holds already (asked once, at the first tick). */
    public VendingSimulator(EventSource source, SimulatorSettings settings, Clock clock, java.util.function.LongSupplier recordsInTopic) {
        this.source = source;
        this.settings = settings;
        this.clock = clock;
        this.recordsInTopic = recordsInTopic;
    }

    /**
     * The simulator of {@code routes/simulator-beans.camel.yaml}, from the Simulator group of
     * {@code application.properties} set by name on {@code setup}: the campus in its fleet file, its
     * clock in the campus time zone, and a random seed of its own when the seed is empty (logged at
     * the first tick, so the run can be repeated).
     */
    public static VendingSimulator from(SimulatorSetup setup) {
        ZoneId zone = ZoneId.of(setup.timezone());
        long seedInUse;
        try {
            seedInUse = setup.seed().isBlank() ? new Random().nextLong() : Long.parseLong(setup.seed());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("vendstream.simulator.seed must be a whole number or empty, not '" + setup.seed() + "'");
        }
        Random random = new Random(seedInUse);
        FleetSimulator model = new FleetSimulator(FleetFile.load(setup.fleetFile()), random, zone);
        SimulatorSettings settings = new SimulatorSettings(SimulatorSettings.Mode.parse(setup.mode()), setup.eventsPerSecond(),
                setup.periodMillis(), setup.followCampusDay(), setup.burstCount(), setup.backfillDays(), seedInUse);
        VendingSimulator simulator = new VendingSimulator(new EventSource(model, setup.faults(), random), settings, Clock.system(zone),
                () -> TopicRecords.count(setup.brokers(), setup.topic()));
        // on a campus the crew needs time to answer a call-out; a load generator refills at once
        model.delayCallOuts(settings.mode() == SimulatorSettings.Mode.CAMPUS);
        // each restock visit takes a DEX audit read (route simulate-dex-audits writes them to the DEX directory)
        model.keepAudits(setup.dexAudits());
        // a share of sales whose event never arrives, though the machine counts it in its books
        model.loseEvents(setup.eventLossFraction(), lost -> simulator.lostEvents.incrementAndGet());
        return simulator;
    }

    public SimulatorSettings settings() {
        return settings;
    }

    /** Sales whose event was lost on the way, since start. */
    public long lostEvents() {
        return lostEvents.get();
    }

    /** Hands every tick's records (history included, bursts not) to {@code observer} before they go out. */
    public synchronized void observeSales(java.util.function.UnaryOperator<List<SimulatedRecord>> observer) {
        this.salesObserver = observer;
    }

    /** The DEX audit reads taken at restock visits since the last call, oldest first. */
    public synchronized List<FleetSimulator.AuditRead> takeAudits() {
        return source.fleet().takeAudits();
    }

    public FleetSimulator fleet() {
        return source.fleet();
    }

    /**
     * Whether the records of the last tick were history (the first start's backfill): those go
     * straight to Kafka whatever the transport, as a machine would not replay weeks over MQTT.
     */
    public synchronized boolean lastTickWasHistory() {
        return history;
    }

    /** The records to publish now, in order. */
    public synchronized Iterator<SimulatedRecord> tick() {
        ZonedDateTime now = now();
        if (!announced) {
            announced = true;
            Fleet fleet = source.fleet().fleet();
            LOG.info("Simulating {} machines at {} locations of {} in {} mode, {} (seed {})",
                    fleet.machines().size(), fleet.locations().size(), fleet.campus(), settings.mode().name().toLowerCase(),
                    settings.mode() == SimulatorSettings.Mode.CAMPUS
                            ? String.format("%.0f sales/hour across the fleet at this campus hour", source.fleet().demand().fleetSalesPerHour(now))
                            : settings.eventsPerSecond() + " records/s", settings.seed());
        }
        if (settings.mode() == SimulatorSettings.Mode.BURST) {
            return burst();
        }
        if (lastTick == null && backfillFrom == null) {
            startBackfill(now);
        }
        history = backfillFrom != null;
        if (history) {
            // history first, a day of it per tick (memory stays bounded; the log shows progress)
            return salesObserver.apply(backfillDay(now)).iterator();
        }
        List<SimulatedRecord> records = new ArrayList<>();
        Duration elapsed;
        if (lastTick == null) {
            elapsed = Duration.ofMillis(settings.periodMillis());
        } else {
            elapsed = Duration.between(lastTick, now);
            Duration cap = Duration.ofMillis(settings.periodMillis() * MAX_CATCH_UP_PERIODS);
            if (elapsed.compareTo(cap) > 0) {
                elapsed = cap;
            }
        }
        if (settings.mode() == SimulatorSettings.Mode.CAMPUS) {
            // each machine sells as its corridor does at this hour; the crew's rounds and call-outs refill
            ZonedDateTime from = now.minus(elapsed);
            lastTick = now;
            for (WireEvent e : source.fleet().history(from, now)) {
                records.addAll(source.withFaults(new SimulatedRecord(e.machineId(), e.type(), e), now));
            }
            return salesObserver.apply(records).iterator();
        }
        if (lastTick != null) {
            source.enqueue(source.fleet().scheduledRestocks(lastTick, now));
        }
        lastTick = now;
        double due = carry + settings.eventsPerSecond() * elapsed.toMillis() / 1000.0 * rateFactor(now);
        int count = (int) due;
        carry = due - count;
        for (int i = 0; i < count; i++) {
            SimulatedRecord record = source.next(now);
            if (record == null) {
                break;
            }
            records.add(record);
        }
        return salesObserver.apply(records).iterator();
    }

    private double rateFactor(ZonedDateTime now) {
        if (!settings.followCampusDay()) {
            return 1.0;
        }
        DemandModel demand = source.fleet().demand();
        return demand.fleetSalesPerHour(now) / demand.peakFleetSalesPerHour();
    }

    /**
     * Backfill only on a first start: with {@code backfill-days} set and an events topic that holds
     * nothing yet. A restart (the topic has records) publishes no history again.
     */
    private void startBackfill(ZonedDateTime now) {
        if (settings.backfillDays() == 0) {
            return;
        }
        long existing = recordsInTopic.getAsLong();
        if (existing != 0) {
            LOG.info("No history backfilled: the events topic holds {} records already (backfill runs on a first start only)",
                    existing < 0 ? "an unknown number of" : existing);
            return;
        }
        backfillFrom = now.minusDays(settings.backfillDays());
        backfillTo = now;
        backfillStarted = System.nanoTime();
        LOG.info("First start: backfilling {} days of campus history through the pipeline, {} to {}", settings.backfillDays(),
                backfillFrom.toLocalDate(), now.toLocalDate());
    }

    /** The next day of history; the last piece runs up to now, and the live stream carries on from there. */
    private List<SimulatedRecord> backfillDay(ZonedDateTime now) {
        ZonedDateTime to = backfillFrom.plusDays(1);
        boolean last = !to.isBefore(backfillTo);
        if (last) {
            to = now;
        }
        List<WireEvent> history = source.fleet().history(backfillFrom, to);
        List<SimulatedRecord> records = new ArrayList<>(history.size());
        for (WireEvent e : history) {
            records.add(new SimulatedRecord(e.machineId(), e.type(), e));
        }
        backfilled += records.size();
        long day = settings.backfillDays() - java.time.temporal.ChronoUnit.DAYS.between(to, backfillTo);
        LOG.info("Backfill: {} of {} days ({}), {} events so far, {} s", Math.min(day, settings.backfillDays()),
                settings.backfillDays(), backfillFrom.toLocalDate(), backfilled, (System.nanoTime() - backfillStarted) / 1_000_000_000);
        backfillFrom = to;
        if (last) {
            backfillFrom = null;
            lastTick = now;
            LOG.info("Backfill done: {} events of {} days published in {} s; the live campus carries on", backfilled,
                    settings.backfillDays(), (System.nanoTime() - backfillStarted) / 1_000_000_000);
        }
        return records;
    }

    private Iterator<SimulatedRecord> burst() {
        if (!burstStarted) {
            burstStarted = true;
            burstRemaining = settings.burstCount();
            LOG.info("Burst mode: publishing {} records as fast as Kafka takes them", burstRemaining);
        } else if (burstRemaining == 0) {
            return Collections.emptyIterator();
        }
        int slice = Math.min(burstRemaining, BURST_SLICE);
        burstRemaining -= slice;
        if (burstRemaining == 0) {
            LOG.info("Burst mode: the last {} records of the burst are on their way", slice);
        }
        return records(source, slice, clock);
    }

    /** {@code count} records generated one by one as they are taken, each stamped with the clock's time. */
    static Iterator<SimulatedRecord> records(EventSource source, int count, Clock clock) {
        return new Iterator<>() {
            private int made;
            private SimulatedRecord next;

            @Override
            public boolean hasNext() {
                if (next == null && made < count) {
                    next = source.next(ZonedDateTime.now(clock));
                    made = next == null ? count : made + 1;
                }
                return next != null;
            }

            @Override
            public SimulatedRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                SimulatedRecord record = next;
                next = null;
                return record;
            }
        };
    }

    private ZonedDateTime now() {
        return ZonedDateTime.now(clock).withZoneSameInstant(source.fleet().zone());
    }
}
