package io.vendstream.alerts;

import java.util.concurrent.atomic.AtomicBoolean;

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
 */
public final class IngestGate {

    private static final Logger LOG = LoggerFactory.getLogger(IngestGate.class);

    private final long maxLag;
    private final AtomicBoolean open = new AtomicBoolean(true);

    public IngestGate(long maxLag) {
        this.maxLag = maxLag;
    }

    /** True when the rules may be evaluated now; logs once when that changes. */
    public boolean caughtUp(CamelContext camel) {
        ConsumerLag lag = camel.getRegistry().lookupByNameAndType("consumerLag", ConsumerLag.class);
        if (lag == null) {
            throw new IllegalStateException("no consumerLag bean: ops.Observability is not registered");
        }
        ConsumerLag.Snapshot snapshot = lag.snapshot();
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
}
