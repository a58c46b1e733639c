package io.vendstream.alerts;

import java.util.concurrent.atomic.AtomicBoolean;

import io.vendstream.ops.ConsumerLag;
import io.vendstream.ops.ConsumerLag.PartitionOffsets;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the stored state is current enough to judge: the alert rules read what ingest stored,
 * and while ingest works through a backlog (a start after downtime, a backfill, a broker outage)
 * that state is the past, so every busy machine would look silent, every location's revenue
 * would look dropped and every slot would show the stock of hours ago. The rules wait while more
 * than {@code maxLag} records are not stored yet, or while the lag cannot be read.
 */
public final class IngestGate implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(IngestGate.class);

    private final long maxLag;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private CamelContext camelContext;

    public IngestGate(long maxLag) {
        this.maxLag = maxLag;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** True when the rules may be evaluated now; logs once when that changes. */
    public boolean caughtUp() {
        // the one reader of consumer lag, which ops.Observability binds after the beans are made
        ConsumerLag lag = camelContext == null ? null : camelContext.getRegistry().lookupByNameAndType("consumerLag", ConsumerLag.class);
        ConsumerLag.Snapshot snapshot = lag != null ? lag.snapshot()
                : new ConsumerLag.Snapshot(java.util.Map.of(), "no consumerLag bean", java.time.Instant.now());
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
