package io.vendstream.alerts;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import io.vendstream.ops.ConsumerLag;
import io.vendstream.ops.ConsumerLag.PartitionOffsets;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the stored state is current enough to judge: the alert rules read what ingest stored,
 * and while ingest works through a backlog (a start after downtime, a backfill, a broker outage)
 * that state is the past, so every busy machine would look silent, every location's revenue
 * would look dropped and every slot would show the stock of hours ago. The rules wait while more
 * than {@code maxLag} records are not stored yet, or while the lag cannot be read. The lag is the
 * one reader's that {@code ops.Observability} binds as {@code consumerLag} (after the beans files
 * are read, so it is looked up when the rules ask).
 *
 * <p>It also tells a rule whose answer changes only with what is stored (and slowly with time, as
 * its window passes) whether to read again: the ingest consumers' committed offsets are what is
 * stored, so a rule read when they stood where they stand now has nothing new to find, except
 * what its window passing resolves. Such a rule reads again once something was stored since its
 * last completed reading, or once {@code quietSeconds} have passed since it.
 */
public final class IngestGate {

    private static final Logger LOG = LoggerFactory.getLogger(IngestGate.class);

    private final long maxLag;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final LongSupplier nanoTime;
    private final Map<String, Reading> readings = new ConcurrentHashMap<>();

    /** A rule's last completed reading: what was stored when it began, and when. */
    private record Reading(Map<Integer, Long> stored, long atNanos) {
    }

    public IngestGate(long maxLag) {
        this(maxLag, System::nanoTime);
    }

    IngestGate(long maxLag, LongSupplier nanoTime) {
        this.maxLag = maxLag;
        this.nanoTime = nanoTime;
    }

    /**
     * What is stored now, as far as the last lag lookup knows: the ingest consumers' committed offset
     * of each partition (its start where none is committed); null when the lag cannot be read.
     */
    public Map<Integer, Long> stored(CamelContext camel) {
        ConsumerLag.Snapshot snapshot = consumerLag(camel).snapshot();
        if (snapshot.error() != null || snapshot.partitions().isEmpty()) {
            return null;
        }
        Map<Integer, Long> stored = new TreeMap<>();
        snapshot.partitions().forEach((p, o) -> stored.put(p, o.committed() == null ? o.start() : o.committed()));
        return stored;
    }

    /**
     * Whether the rule should read again: always when {@code quietSeconds} is 0 or what is stored is
     * not known; otherwise when nothing completed a reading of it yet, something was stored since
     * its last one began, or {@code quietSeconds} have passed since then.
     */
    public boolean readAgain(String rule, Map<Integer, Long> stored, long quietSeconds) {
        Reading last = readings.get(rule);
        return quietSeconds <= 0 || stored == null || last == null || !last.stored().equals(stored)
                || nanoTime.getAsLong() - last.atNanos() >= TimeUnit.SECONDS.toNanos(quietSeconds);
    }

    /** Remembers that a reading of the rule completed, begun when {@code stored} was stored. */
    public void read(String rule, Map<Integer, Long> stored) {
        if (stored == null) {
            readings.remove(rule);
        } else {
            readings.put(rule, new Reading(Map.copyOf(stored), nanoTime.getAsLong()));
        }
    }

    /** True when the rules may be evaluated now; logs once when that changes. */
    public boolean caughtUp(CamelContext camel) {
        ConsumerLag.Snapshot snapshot = consumerLag(camel).snapshot();
        String reason = null;
        if (snapshot.error() != null) {
            reason = "the ingest lag cannot be read (" + snapshot.error() + ")";
        } else {
            long behind = snapshot.partitions().values().stream().mapToLong(PartitionOffsets::lag).sum();
            if (behind > maxLag) {
                reason = "ingest is " + behind + " records behind (more than vendstream.alerts.max-ingest-lag = " + maxLag + ")";
            }
        }
        if (reason == null) {
            if (open.compareAndSet(false, true)) {
                LOG.info("Alert rules resume: ingest has caught up");
            }
            return true;
        }
        if (open.compareAndSet(true, false)) {
            LOG.warn("Alert rules wait: {}; no alert opens or resolves from a state that is behind", reason);
        }
        return false;
    }

    private static ConsumerLag consumerLag(CamelContext camel) {
        ConsumerLag lag = camel.getRegistry().lookupByNameAndType("consumerLag", ConsumerLag.class);
        if (lag == null) {
            throw new IllegalStateException("no consumerLag bean: ops.Observability is not registered");
        }
        return lag;
    }
}
