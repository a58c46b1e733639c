package io.vendstream.ingest;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ingest route's store step without Kafka in front of it: payloads are validated by the real
 * {@link EventValidator} and stored by the real {@link EventStore}, one poll at a time, exactly as
 * {@code PollReader} hands them over. For tests that need weeks of history in seconds.
 */
public final class DirectIngest {

    private final EventStore store;
    private final EventValidator validator;
    private final String topic;
    private long nextOffset;

    public DirectIngest(EventStore store, EventValidator validator, String topic) {
        this.store = store;
        this.validator = validator;
        this.topic = topic;
    }

    /** Stores the payloads as consecutive polls of at most {@code pollSize} records of partition 0. */
    public List<EventStore.Outcome> store(List<byte[]> payloads, int pollSize) throws SQLException {
        List<EventStore.Outcome> outcomes = new ArrayList<>();
        for (int from = 0; from < payloads.size(); from += pollSize) {
            List<byte[]> poll = payloads.subList(from, Math.min(payloads.size(), from + pollSize));
            List<SourceRecord> records = new ArrayList<>(poll.size());
            for (byte[] payload : poll) {
                records.add(new SourceRecord(topic, 0, nextOffset++, null, payload, null));
            }
            IngestBatch batch = batch(records, validator, true);
            outcomes.add(store.store(batch));
        }
        return outcomes;
    }

    /** A poll validated the way {@code PollReader} does it, in parallel or on the calling thread only. */
    public static IngestBatch batch(List<SourceRecord> records, EventValidator validator, boolean parallel) {
        IngestBatch batch = new IngestBatch(records);
        List<EventValidator.Result> results = (parallel ? records.parallelStream() : records.stream())
                .map(r -> validator.validate(r.value())).toList();
        for (int i = 0; i < records.size(); i++) {
            EventValidator.Result result = results.get(i);
            if (result.isValid()) {
                batch.accept(records.get(i), result.event());
            } else {
                batch.refuse(records.get(i), result.rejection());
            }
        }
        return batch;
    }
}
