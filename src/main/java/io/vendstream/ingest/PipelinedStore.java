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
 * before the consumer's next poll (polls stay short while a store is in flight). Before partitions
 * are handed to another consumer the store in flight is waited for (briefly) and its offsets
 * committed; before the consumer closes, likewise. What a store never committed is re-read by
 * whoever owns the partition next and kept out by the fences, as after a crash.
 *
 * <p>A failing store (the database unavailable) is retried on the store thread with the ingest
 * backoff ({@code vendstream.ingest.retry.*}), for as long as it takes, and the outage is logged
 * once ({@link OutageLog}); the consumer meanwhile waits before it hands on the next poll. Only when
 * the application or the route is stopping does the store give up; the next poll is then refused
 * ({@link BatchGuard}), and the records are read again after the restart.
 *
 * <p>Not pipelined, the poll is stored on the consumer's thread, retried by the route's error
 * handler, and its offsets committed right after.
 */
public final class PipelinedStore {

    private static final Logger LOG = LoggerFactory.getLogger(PipelinedStore.class);
    /** How long partitions going to another consumer wait for the store in flight before they go anyway. */
    private static final long REVOKE_WAIT_MILLIS = 5_000;
    /** How long a closing consumer waits for the store in flight (its attempt, not its retries). */
    private static final long CLOSE_WAIT_MILLIS = 30_000;

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
            stage.finishPrevious();
            outageLog.recovered();
            stage.start(batch, exchange.getContext());
        } else {
            store.store(batch);
            OffsetCommitter.commitAsync(consumer, OffsetCommitter.pastBatch(batch));
            outageLog.recovered();
        }
        guard.end(exchange);
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
        void finishPrevious() {
            if (inFlight == null) {
                return;
            }
            try {
                inFlight.result.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BatchGuard.IngestHaltedException("interrupted while the previous batch was being stored");
            } catch (ExecutionException e) {
                // it gave up because the application or the route is stopping: this consumer must not move past it
                throw new BatchGuard.IngestHaltedException("the previous batch was not stored (" + e.getCause() + ")");
            }
            OffsetCommitter.commitAsync(consumer, inFlight.offsets);
            inFlight = null;
        }

        void start(IngestBatch batch, CamelContext context) {
            InFlight next = new InFlight(OffsetCommitter.pastBatch(batch));
            next.result = storeThread.submit(() -> {
                storeRetrying(batch, context, next);
                return null;
            });
            inFlight = next;
        }

        private void storeRetrying(IngestBatch batch, CamelContext context, InFlight attempt) throws Exception {
            long delay = initialDelayMillis;
            while (true) {
                try {
                    store.store(batch);
                    outageLog.recovered();
                    return;
                } catch (Exception e) {
                    if (attempt.abandoned || context.isStopping() || context.isStopped()) {
                        throw e;
                    }
                    outageLog.failed(e);
                }
                Thread.sleep(delay);
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
            return inFlight != null && !inFlight.result.isDone();
        }

        @Override
        public void revoked(Collection<TopicPartition> partitions, boolean lost) {
            if (inFlight == null) {
                return;
            }
            if (!lost && !outageLog.isFailing() && awaited(inFlight, REVOKE_WAIT_MILLIS)) {
                OffsetCommitter.commitSync(consumer, inFlight.offsets);
                inFlight = null;
                return;
            }
            // still storing (or failed): its records of these partitions are re-read by their next owner and fenced
            inFlight.offsets.keySet().removeIf(p -> partitions.contains(p));
        }

        @Override
        public void close() {
            if (inFlight != null) {
                InFlight last = inFlight;
                last.abandoned = true;
                if (outageLog.isFailing()) {
                    // waiting out an outage: stop it now rather than after its next attempt
                    storeThread.shutdownNow();
                }
                if (awaited(last, CLOSE_WAIT_MILLIS)) {
                    OffsetCommitter.commitSync(consumer, last.offsets);
                } else {
                    LOG.info("Closing an ingest consumer whose last batch was not stored; its records will be read again");
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
        Future<Void> result;

        InFlight(Map<TopicPartition, OffsetAndMetadata> offsets) {
            this.offsets = new HashMap<>(offsets);
        }
    }
}
