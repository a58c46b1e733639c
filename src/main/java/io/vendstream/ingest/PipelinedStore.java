package io.vendstream.ingest;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last step of ingest: stores the poll exactly once ({@link EventStore}) and only then commits the
 * Kafka offsets past it.
 *
 * <p>Pipelined (the default, {@code vendstream.ingest.pipelined}), each consumer stores its polls
 * on a store thread of its own and goes back to polling at once, so the next poll is fetched, read,
 * validated and its dead letters published while this one is being stored: the database and the
 * consumer work at the same time instead of in turn. At most one poll per consumer is being stored:
 * handing on the next one first waits for the store before it, then commits that store's offsets on
 * the consumer's thread. A store that finished while nothing more came has its offsets committed
 * before the consumer's next poll (polls stay short while a store is in flight, but not while it
 * waits out an outage). Before partitions are handed to another consumer, and when the consumer
 * stops (Camel unsubscribes it first), the store in flight is waited for (briefly) and its offsets
 * committed. What a store never committed is re-read by whoever owns the partition next and kept
 * out by the fences, as after a crash.
 *
 * <p>A failing store (the database unavailable) is retried on the store thread with the ingest
 * backoff ({@code vendstream.ingest.retry.*}), for as long as it takes, and the outage is logged
 * once ({@link OutageLog}); the consumer meanwhile waits before it hands on the next poll. Only when
 * the application or the route is stopping does the store give up (the waits look every
 * {@value #STOP_CHECK_MILLIS} ms); the next poll is then refused ({@link BatchGuard}), and the records
 * are read again after the restart.
 *
 * <p>Not pipelined, the poll is stored on the consumer's thread, retried by the route's error
 * handler, and its offsets committed right after.
 */
public final class PipelinedStore {

    private static final Logger LOG = LoggerFactory.getLogger(PipelinedStore.class);
    /**
     * How long partitions going to another consumer (or a consumer that stops) wait for the store in
     * flight before they go anyway; within the application's shutdown timeout.
     */
    private static final long REVOKE_WAIT_MILLIS = 3_000;
    /** How often a wait for a store in flight looks whether the route or the application is stopping. */
    private static final long STOP_CHECK_MILLIS = 200;

    private final EventStore store;
    private final BatchGuard guard;
    private final OutageLog outageLog;
    private final boolean pipelined;
    private final long initialDelayMillis;
    private final long maxDelayMillis;
    private final AtomicInteger threads = new AtomicInteger();

    public PipelinedStore(EventStore store, BatchGuard guard, OutageLog outageLog, boolean pipelined,
            long initialDelayMillis, long maxDelayMillis) {
        this.store = store;
        this.guard = guard;
        this.outageLog = outageLog;
        this.pipelined = pipelined;
        this.initialDelayMillis = Math.max(1, initialDelayMillis);
        this.maxDelayMillis = Math.max(this.initialDelayMillis, maxDelayMillis);
    }

    /**
     * Stores the batch and commits its offsets: pipelined, hands it to the consumer's store thread
     * once the store before it has finished (and commits that one's offsets); otherwise here.
     */
    public void store(IngestBatch batch, Exchange exchange) throws Exception {
        Consumer<?, ?> consumer = OffsetCommitter.consumerOf(batch);
        if (pipelined && consumer instanceof IngestKafkaClients.IdleAwareConsumer polling) {
            Stage stage = polling.stage(() -> new Stage(polling));
            // not the exchange itself: Camel may reuse it once the route is done with it
            CamelContext context = exchange.getContext();
            String routeId = exchange.getFromRouteId();
            Stopping stopping = () -> stopping(context, routeId);
            stage.finishPrevious(stopping);
            outageLog.recovered();
            stage.start(batch, stopping);
        } else {
            store.store(batch);
            OffsetCommitter.commitAsync(consumer, OffsetCommitter.pastBatch(batch));
            outageLog.recovered();
        }
        guard.end(exchange);
    }

    /** Whether the store's route or the application is stopping: then a store in flight gives up. */
    @FunctionalInterface
    interface Stopping {
        boolean now();
    }

    private static boolean stopping(CamelContext context, String routeId) {
        if (context.isStopping() || context.isStopped()) {
            return true;
        }
        org.apache.camel.Route route = routeId == null ? null : context.getRoute(routeId);
        if (route == null) {
            return false;
        }
        // a route being stopped stops (or suspends) its consumer first, then waits for the batch in progress
        return route.getConsumer() instanceof org.apache.camel.support.service.ServiceSupport consumer
                && (consumer.isStoppingOrStopped() || consumer.isSuspendingOrSuspended());
    }

    /** One consumer's store in flight; its methods run on the consumer's thread. */
    final class Stage implements IngestKafkaClients.Stage {

        private final Consumer<?, ?> consumer;
        private final ExecutorService storeThread;
        private InFlight inFlight;

        Stage(Consumer<?, ?> consumer) {
            this.consumer = consumer;
            String name = "vendstream-ingest-store-" + threads.incrementAndGet();
            this.storeThread = Executors.newSingleThreadExecutor(task -> {
                Thread t = new Thread(task, name);
                t.setDaemon(true);
                return t;
            });
        }

        /** Waits for the store in flight (through any outage) and commits its offsets. */
        void finishPrevious(Stopping stopping) {
            if (inFlight == null) {
                return;
            }
            try {
                while (true) {
                    try {
                        inFlight.result.get(STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                        break;
                    } catch (TimeoutException e) {
                        // a store making progress is waited for (a stopping route waits for the batch in
                        // progress); one waiting out an outage is given up when the route stops
                        if (inFlight.failing && stopping.now()) {
                            // its retries end too; the records are read again after the restart
                            inFlight.abandoned = true;
                            throw new BatchGuard.IngestHaltedException("the route is stopping while the previous batch is being stored");
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BatchGuard.IngestHaltedException("interrupted while the previous batch was being stored");
            } catch (ExecutionException e) {
                // it gave up because the application or the route is stopping: this consumer must not move past it
                BatchGuard.IngestHaltedException halted = new BatchGuard.IngestHaltedException("the previous batch was not stored");
                halted.initCause(e.getCause());
                throw halted;
            }
            OffsetCommitter.commitAsync(consumer, inFlight.offsets);
            inFlight = null;
        }

        void start(IngestBatch batch, Stopping stopping) {
            InFlight next = new InFlight(OffsetCommitter.pastBatch(batch));
            next.result = storeThread.submit(() -> {
                storeRetrying(batch, stopping, next);
                return null;
            });
            inFlight = next;
        }

        private void storeRetrying(IngestBatch batch, Stopping stopping, InFlight attempt) throws Exception {
            long delay = initialDelayMillis;
            while (true) {
                try {
                    store.store(batch);
                    attempt.failing = false;
                    outageLog.recovered();
                    return;
                } catch (Exception e) {
                    if (attempt.abandoned || stopping.now()) {
                        LOG.info("A batch being stored was given up ({}): the route or the application is stopping, and its "
                                + "records will be read again", e.toString());
                        throw e;
                    }
                    attempt.failing = true;
                    outageLog.failed(e);
                }
                // the backoff, cut short when the route or the application stops
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
                while (System.nanoTime() < until) {
                    if (attempt.abandoned || stopping.now()) {
                        throw new IllegalStateException("the route or the application stopped while the batch waited to be stored again");
                    }
                    Thread.sleep(Math.min(STOP_CHECK_MILLIS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()))));
                }
                delay = Math.min(delay * 2, maxDelayMillis);
            }
        }

        @Override
        public void beforePoll() {
            if (inFlight != null && inFlight.result.isDone() && succeeded(inFlight)) {
                OffsetCommitter.commitAsync(consumer, inFlight.offsets);
                inFlight = null;
            }
        }

        @Override
        public boolean busy() {
            // not while it waits out an outage: then polls may be long again
            return inFlight != null && !inFlight.result.isDone() && !inFlight.failing;
        }

        @Override
        public void revoked(Collection<TopicPartition> partitions, boolean lost) {
            if (inFlight == null) {
                return;
            }
            if (!lost && !inFlight.failing && awaited(inFlight, REVOKE_WAIT_MILLIS)) {
                OffsetCommitter.commitSync(consumer, inFlight.offsets);
                inFlight = null;
                return;
            }
            // still storing (or failed): its records of these partitions are re-read by their next owner and fenced
            inFlight.offsets.keySet().removeIf(p -> partitions.contains(p));
        }

        @Override
        public void close() {
            // Camel unsubscribes before it closes, so a store in flight was waited for then (revoked)
            if (inFlight != null) {
                InFlight last = inFlight;
                last.abandoned = true;
                if (!last.failing && !last.offsets.isEmpty() && awaited(last, REVOKE_WAIT_MILLIS)) {
                    OffsetCommitter.commitSync(consumer, last.offsets);
                } else if (!last.result.isDone()) {
                    LOG.info("Closing an ingest consumer whose last batch is not stored yet; its records will be read again");
                }
                inFlight = null;
            }
            // a store waiting out an outage stops at once; one in a transaction finishes it (or rolls back)
            storeThread.shutdownNow();
        }

        private boolean succeeded(InFlight attempt) {
            return awaited(attempt, 0);
        }

        /** Whether the store finished and stored the batch within the wait. */
        private boolean awaited(InFlight attempt, long millis) {
            try {
                attempt.result.get(millis, TimeUnit.MILLISECONDS);
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException | TimeoutException e) {
                return false;
            }
        }
    }

    /** A batch handed to the store thread, and the offsets to commit once it is stored. */
    private static final class InFlight {
        final Map<TopicPartition, OffsetAndMetadata> offsets;
        volatile boolean abandoned;
        /** Its last attempt failed: it waits out an outage. */
        volatile boolean failing;
        Future<Void> result;

        InFlight(Map<TopicPartition, OffsetAndMetadata> offsets) {
            this.offsets = new HashMap<>(offsets);
        }
    }
}
