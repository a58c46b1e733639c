package io.vendstream.ingest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The records of one Kafka poll on their way to the database: those not handled before, each
 * either a valid event (a vending event, or a payment event from the payments topic) or a
 * rejection, plus every polled record so offsets can be committed.
 */
public final class IngestBatch {

    /** A valid event and the record it came from. */
    public record Accepted(SourceRecord source, VendingEvent event) {
    }

    /** A valid payment processor event and the record it came from. */
    public record AcceptedPayment(SourceRecord source, PaymentEvent payment) {
    }

    /** A refused record, kept byte for byte, and why. */
    public record Refused(SourceRecord source, Rejection rejection) {
    }

    private final List<SourceRecord> polled;
    private final List<Accepted> accepted = new ArrayList<>();
    private final List<AcceptedPayment> payments = new ArrayList<>();
    private final List<Refused> refused = new ArrayList<>();

    public IngestBatch(List<SourceRecord> polled) {
        this.polled = List.copyOf(polled);
    }

    void accept(SourceRecord source, VendingEvent event) {
        accepted.add(new Accepted(source, event));
    }

    void accept(SourceRecord source, PaymentEvent payment) {
        payments.add(new AcceptedPayment(source, payment));
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

    public List<AcceptedPayment> payments() {
        return Collections.unmodifiableList(payments);
    }

    public List<Refused> refused() {
        return Collections.unmodifiableList(refused);
    }

    public int getRejectionCount() {
        return refused.size();
    }

    public int getFreshCount() {
        return accepted.size() + payments.size() + refused.size();
    }

    /**
     * This batch as at most {@code maxParts} batches of whole source partitions, balanced by their
     * records to handle (the largest partition first, each to the lightest part), or itself when it
     * comes from one partition. Each part keeps its partitions' records in offset order, so each
     * can be stored in a transaction of its own: the fences are per partition, and with events
     * keyed by machine so are the stock and rollup rows. A poll in which one eventId or one machine
     * comes from two partitions stays whole: its one transaction decides which of a sale and a
     * restock with one eventId is stored (transactions running at the same time could store both),
     * and applies a machine's events to its stock in their order.
     */
    public List<IngestBatch> byPartition(int maxParts) {
        Map<UUID, Integer> partitionOfEvent = new HashMap<>();
        Map<String, Integer> partitionOfMachine = new HashMap<>();
        for (Accepted a : accepted) {
            int partition = a.source().partition();
            Integer event = partitionOfEvent.putIfAbsent(a.event().eventId(), partition);
            Integer machine = partitionOfMachine.putIfAbsent(a.event().machineId(), partition);
            if ((event != null && event != partition) || (machine != null && machine != partition)) {
                return List.of(this);
            }
        }
        Map<Integer, Integer> fresh = new TreeMap<>();
        polled.forEach(r -> fresh.putIfAbsent(r.partition(), 0));
        accepted.forEach(a -> fresh.merge(a.source().partition(), 1, Integer::sum));
        payments.forEach(a -> fresh.merge(a.source().partition(), 1, Integer::sum));
        refused.forEach(r -> fresh.merge(r.source().partition(), 1, Integer::sum));
        int parts = Math.min(maxParts, fresh.size());
        if (parts <= 1) {
            return List.of(this);
        }
        int[] load = new int[parts];
        Map<Integer, Integer> partOf = new HashMap<>();
        fresh.entrySet().stream()
                .sorted(Map.Entry.<Integer, Integer>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> {
                    int lightest = 0;
                    for (int i = 1; i < parts; i++) {
                        if (load[i] < load[lightest]) {
                            lightest = i;
                        }
                    }
                    load[lightest] += e.getValue();
                    partOf.put(e.getKey(), lightest);
                });
        List<List<SourceRecord>> polledParts = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            polledParts.add(new ArrayList<>());
        }
        polled.forEach(r -> polledParts.get(partOf.get(r.partition())).add(r));
        List<IngestBatch> batches = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) {
            batches.add(new IngestBatch(polledParts.get(i)));
        }
        accepted.forEach(a -> batches.get(partOf.get(a.source().partition())).accepted.add(a));
        payments.forEach(a -> batches.get(partOf.get(a.source().partition())).payments.add(a));
        refused.forEach(r -> batches.get(partOf.get(r.source().partition())).refused.add(r));
        return batches;
    }

    @Override
    public String toString() {
        return "IngestBatch[polled=" + polled.size() + ", accepted=" + accepted.size() + ", payments=" + payments.size() + ", refused=" + refused.size() + "]";
    }
}
