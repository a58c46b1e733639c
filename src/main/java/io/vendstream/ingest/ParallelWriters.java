package io.vendstream.ingest;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stores a large poll that spans partitions as up to {@code writers} transactions at once, one per
 * group of whole partitions ({@link IngestBatch#byPartition}), the calling thread storing one of
 * them; a smaller poll is one transaction. Returns once every part has committed or failed; if one
 * failed, that failure is thrown and the whole poll is retried, in which the parts already
 * committed are below their fences and change nothing.
 */
final class ParallelWriters implements AutoCloseable {

    /** Stores one part of a poll as one transaction, as writer {@code writer} (0 is the caller's). */
    @FunctionalInterface
    interface PartStore {
        EventStore.Outcome store(IngestBatch part, int writer) throws SQLException;
    }

    private final int writers;
    private final int parallelFrom;
    private final ExecutorService writerThreads;

    /**
     * A poll of at least {@code parallelFrom} records to handle, from several source partitions, is
     * stored as up to {@code writers} transactions at once.
     */
    ParallelWriters(int writers, int parallelFrom) {
        this.writers = Math.max(1, writers);
        this.parallelFrom = parallelFrom;
        AtomicInteger threads = new AtomicInteger();
        this.writerThreads = this.writers == 1 ? null : Executors.newFixedThreadPool(this.writers - 1, task -> {
            Thread t = new Thread(task, "vendstream-ingest-writer-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    EventStore.Outcome store(IngestBatch batch, PartStore storeOne) throws SQLException {
        List<IngestBatch> parts = writerThreads != null && batch.getFreshCount() >= parallelFrom
                ? batch.byPartition(writers) : List.of(batch);
        if (parts.size() == 1) {
            return storeOne.store(batch, 0);
        }
        List<Future<EventStore.Outcome>> others = new ArrayList<>(parts.size() - 1);
        EventStore.Outcome total = new EventStore.Outcome(0, 0, 0, 0);
        Throwable failure = null;
        try {
            for (int i = 1; i < parts.size(); i++) {
                IngestBatch part = parts.get(i);
                int writer = i;
                others.add(writerThreads.submit(() -> storeOne.store(part, writer)));
            }
            total = storeOne.store(parts.get(0), 0);
        } catch (Throwable e) {
            // whatever happened here, the parts already handed on are waited for below
            failure = e;
        }
        boolean interrupted = false;
        for (Future<EventStore.Outcome> other : others) {
            try {
                while (true) {
                    try {
                        total = total.plus(other.get());
                        break;
                    } catch (InterruptedException e) {
                        // a part in flight finishes (commits or rolls back) before the poll is given up
                        interrupted = true;
                    }
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof SQLException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        return total;
    }

    /** Stops the writer threads. */
    @Override
    public void close() {
        if (writerThreads != null) {
            writerThreads.shutdown();
        }
    }
}
