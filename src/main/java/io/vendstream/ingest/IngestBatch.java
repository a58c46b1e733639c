package io.vendstream.ingest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The records of one Kafka poll on their way to the database: those not handled before, each
 * either a valid event or a rejection, plus every polled record so offsets can be committed.
 */
public final class IngestBatch {

    /** A valid event and the record it came from. */
    public record Accepted(SourceRecord source, VendingEvent event) {
    }

    /** A refused record, kept byte for byte, and why. */
    public record Refused(SourceRecord source, Rejection rejection) {
    }

    private final List<SourceRecord> polled;
    private final List<Accepted> accepted = new ArrayList<>();
    private final List<Refused> refused = new ArrayList<>();

    public IngestBatch(List<SourceRecord> polled) {
        this.polled = List.copyOf(polled);
    }

    void accept(SourceRecord source, VendingEvent event) {
        accepted.add(new Accepted(source, event));
    }

    void refuse(SourceRecord source, Rejection rejection) {
        refused.add(new Refused(source, rejection));
    }

    /** Every record of the poll, including those an earlier delivery already handled. */
    public List<SourceRecord> polled() {
        return polled;
    }

    public List<Accepted> accepted() {
        return Collections.unmodifiableList(accepted);
    }

    public List<Refused> refused() {
        return Collections.unmodifiableList(refused);
    }

    public int getRejectionCount() {
        return refused.size();
    }

    public int getFreshCount() {
        return accepted.size() + refused.size();
    }

    @Override
    public String toString() {
        return "IngestBatch[polled=" + polled.size() + ", accepted=" + accepted.size() + ", refused=" + refused.size() + "]";
    }
}
