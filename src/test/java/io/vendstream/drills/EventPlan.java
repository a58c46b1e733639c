package io.vendstream.drills;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.vendstream.support.Events;

/**
 * A known set of records for a drill: valid sales and restocks with distinct eventIds, exact
 * re-publications of some of them (duplicates), and invalid payloads (rejections), so that every
 * counter the ingest keeps has an exact expected value.
 *
 * <p>Each machine's events carry increasing occurredAt and a stockAfter, and all of a machine's
 * records share its key (one partition), so the final stock of every slot is that of its latest
 * event whatever the fault, which lets {@link io.vendstream.support.Ledger} recompute it.
 */
final class EventPlan {

    record Item(String key, byte[] value) {
    }

    private static final String[] MACHINES = {"ENG-01", "ENG-02", "LIB-01", "MED-01", "SC-01", "CS-01", "LAW-01",
            "ECO-01", "AGR-01", "PSY-01", "ART-01", "MATH-01"};
    private static final String[] PRODUCTS = {"Aqua 600ml", "Teh Botol", "Roti Sobek", "Chitato", "Pocari Sweat"};
    private static final String[] PAYMENTS = {"cash", "qris", "card", "ewallet"};

    private final List<Item> items = new ArrayList<>();
    private final Set<String> validIds = new HashSet<>();
    private final Map<String, Integer> rejectedByReason = new HashMap<>();
    private int duplicates;
    private int sales;
    private int restocks;

    /**
     * {@code valid} distinct events (one in ten a restock), then every {@code duplicateEvery}-th of them
     * published again, and one invalid record after every {@code invalidEvery} records.
     */
    static EventPlan mixed(int valid, int duplicateEvery, int invalidEvery) {
        EventPlan plan = new EventPlan();
        // an hour ago, a millisecond apart: in the past, within one or two campus hours, strictly ordered
        Instant start = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        List<Item> published = new ArrayList<>();
        for (int i = 0; i < valid; i++) {
            String machine = MACHINES[i % MACHINES.length];
            String product = PRODUCTS[(i / MACHINES.length) % PRODUCTS.length];
            int stockAfter = (i * 7) % 40;
            Map<String, Object> event;
            if (i % 10 == 9) {
                event = Events.restock(machine, product, 20, stockAfter);
                plan.restocks++;
            } else {
                event = Events.sale(machine, product, 1 + i % 3, String.valueOf(3000 + (i % 9) * 500), stockAfter);
                event.put("paymentMethod", PAYMENTS[i % PAYMENTS.length]);
                plan.sales++;
            }
            event.put("occurredAt", Events.timestamp(start.plusMillis(i)));
            plan.validIds.add((String) event.get("eventId"));
            Item item = new Item(machine, Events.json(event));
            published.add(item);
            plan.add(item, invalidEvery);
            if (duplicateEvery > 0 && i % duplicateEvery == duplicateEvery - 1) {
                // the same bytes again, as a producer retry or a machine resending would publish them
                plan.add(published.get(i - duplicateEvery / 2), invalidEvery);
                plan.duplicates++;
            }
        }
        return plan;
    }

    private void add(Item item, int invalidEvery) {
        items.add(item);
        if (invalidEvery > 0 && items.size() % invalidEvery == 0) {
            int n = items.size() / invalidEvery;
            if (n % 2 == 0) {
                items.add(new Item("BROKEN-01", Events.utf8("{\"eventId\": \"not closed")));
                rejectedByReason.merge("MALFORMED_JSON", 1, Integer::sum);
            } else {
                Map<String, Object> bad = Events.sale("BROKEN-01", "Aqua 600ml", 99, "5000", 1);
                items.add(new Item("BROKEN-01", Events.json(bad)));
                rejectedByReason.merge("SCHEMA_VIOLATION", 1, Integer::sum);
            }
        }
    }

    /** Appends a record the pipeline must reject with {@code reason}. */
    EventPlan rejected(Item item, String reason) {
        items.add(item);
        rejectedByReason.merge(reason, 1, Integer::sum);
        return this;
    }

    /** Appends {@code copies} publications of one valid event: the first is stored, the rest are duplicates. */
    EventPlan copies(Map<String, Object> event, int copies) {
        Item item = new Item((String) event.get("machineId"), Events.json(event));
        validIds.add((String) event.get("eventId"));
        if ("sale".equals(event.get("type"))) {
            sales++;
        } else {
            restocks++;
        }
        for (int i = 0; i < copies; i++) {
            items.add(item);
        }
        duplicates += copies - 1;
        return this;
    }

    /** Appends all records of another plan (which must use other eventIds). */
    EventPlan then(EventPlan other) {
        items.addAll(other.items);
        validIds.addAll(other.validIds);
        other.rejectedByReason.forEach((reason, n) -> rejectedByReason.merge(reason, n, Integer::sum));
        duplicates += other.duplicates;
        sales += other.sales;
        restocks += other.restocks;
        return this;
    }

    static EventPlan empty() {
        return new EventPlan();
    }

    List<Item> items() {
        return items;
    }

    Set<String> validIds() {
        return validIds;
    }

    int valid() {
        return validIds.size();
    }

    int sales() {
        return sales;
    }

    int restocks() {
        return restocks;
    }

    int duplicates() {
        return duplicates;
    }

    int rejected() {
        return rejectedByReason.values().stream().mapToInt(Integer::intValue).sum();
    }

    Map<String, Integer> rejectedByReason() {
        return rejectedByReason;
    }

    int records() {
        return items.size();
    }
}
