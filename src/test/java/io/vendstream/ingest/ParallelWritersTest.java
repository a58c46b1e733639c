package io.vendstream.ingest;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.vendstream.support.Events;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * How a poll is handed to writers, without a database: which polls are split, that every part is
 * stored once and waited for, and that a failing part fails the whole poll as it failed.
 */
class ParallelWritersTest {

    private static final EventValidator VALIDATOR = EventValidator.configured(300, 65536, 0);

    /** A poll of {@code perPartition} sales on each of three partitions, one machine per partition. */
    private static IngestBatch poll(int perPartition) {
        List<SourceRecord> records = new ArrayList<>();
        for (int partition = 0; partition < 3; partition++) {
            for (int i = 0; i < perPartition; i++) {
                byte[] sale = Events.json(Events.sale("m-" + partition, "Water", 1, "5000", 10));
                records.add(new SourceRecord("t", partition, i, null, sale, null));
            }
        }
        return DirectIngest.batch(records, VALIDATOR, false);
    }

    @Test
    void should_store_a_large_poll_that_spans_partitions_as_one_part_per_writer_each_once() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<Integer> writers = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ParallelWriters parallel = new ParallelWriters(3, 10)) {
            EventStore.Outcome outcome = parallel.store(poll(10), (part, writer) -> {
                threads.add(Thread.currentThread().getName());
                writers.add(writer);
                return new EventStore.Outcome(part.getFreshCount(), part.getFreshCount(), 0, 0);
            });

            assertThat(outcome.consumed()).isEqualTo(30);
            assertThat(outcome.stored()).isEqualTo(30);
        }
        assertThat(writers).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(threads).hasSize(3).contains(Thread.currentThread().getName());
    }

    @Test
    void should_store_a_small_poll_or_one_writer_as_one_transaction_on_the_calling_thread() throws Exception {
        List<Integer> parts = new ArrayList<>();
        try (ParallelWriters parallel = new ParallelWriters(3, 1_000); ParallelWriters single = new ParallelWriters(1, 1)) {
            parallel.store(poll(10), (part, writer) -> record(parts, part, writer));
            single.store(poll(10), (part, writer) -> record(parts, part, writer));
        }
        assertThat(parts).containsExactly(30, 30);
    }

    @Test
    void should_wait_for_every_part_and_throw_the_failure_of_one() throws Exception {
        List<Integer> finished = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch failed = new java.util.concurrent.CountDownLatch(1);
        try (ParallelWriters parallel = new ParallelWriters(3, 10)) {
            SQLException thrown = assertThrows(SQLException.class, () -> parallel.store(poll(10), (part, writer) -> {
                if (writer == 1) {
                    failed.countDown();
                    throw new SQLException("the database went away");
                }
                // the other parts are still storing when that one fails
                try {
                    assertThat(failed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                finished.add(writer);
                return new EventStore.Outcome(0, 0, 0, 0);
            }));
            assertThat(thrown.getMessage()).isEqualTo("the database went away");
        }
        assertThat(finished).as("parts that were handed on finish before the poll fails").containsExactlyInAnyOrder(0, 2);
    }

    @Test
    void should_rethrow_an_error_as_it_is() {
        try (ParallelWriters parallel = new ParallelWriters(3, 10)) {
            assertThrows(OutOfMemoryError.class, () -> parallel.store(poll(10), (part, writer) -> {
                if (writer == 2) {
                    throw new OutOfMemoryError("simulated");
                }
                return new EventStore.Outcome(0, 0, 0, 0);
            }));
        }
    }

    private static EventStore.Outcome record(List<Integer> parts, IngestBatch part, int writer) {
        synchronized (parts) {
            parts.add(part.getFreshCount());
        }
        return new EventStore.Outcome(0, 0, 0, 0);
    }
}
