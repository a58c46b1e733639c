package io.vendstream.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What changed, as soon as it is committed: one shared, in-JVM feed of compact notices that every
 * open screen follows ({@code GET /api/stream}, served by {@code http.ChangeStream}). The store
 * hands over the events a batch committed ({@link #committed}); the alert routes say when alerts
 * opened, resolved or were acknowledged ({@link #alertsChanged}). The caller only puts a reference
 * in a bounded queue: one thread of the feed writes each notice once, as the bytes of a
 * server-sent event, and hands those same bytes to every subscriber, so the cost of a batch does
 * not grow with the number of screens and nothing on the ingest path waits for a client. If that
 * thread falls behind (the queue is full) notices are dropped and the next one tells clients to
 * reload everything ({@code reset}).
 *
 * <p>Notices carry an id, {@code <start>-<sequence>}; the last {@code retained} are kept so a
 * client that reconnects with {@code Last-Event-ID} gets what it missed. A client further behind,
 * or one from before a restart, gets {@code reset}.
 *
 * <p>In-JVM only: an instance that does not run ingest sees no commits of the others (see
 * docs/api.md, "Live updates"); its screens still get alerts and heartbeats and fall back to
 * polling the API for the rest.
 */
public final class ChangeFeed implements AutoCloseable {

    /** One notice: its id, its event name, and the whole server-sent event as bytes. */
    public record Notice(String id, long sequence, String event, byte[] frame) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String start = Long.toString(System.currentTimeMillis(), 36);
    private final int retained;
    private final int latestSales;
    private final ArrayDeque<Notice> recent = new ArrayDeque<>();
    private final List<Consumer<Notice>> subscribers = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Runnable> pending = new ArrayBlockingQueue<>(10_000);
    private final Thread writer;
    private volatile boolean running = true;
    private volatile boolean overflowed;
    private long sequence;

    /**
     * @param retained    notices kept for clients that reconnect with {@code Last-Event-ID}
     * @param latestSales the sales of a batch a notice lists in full (the newest; a larger batch
     *                    is counted, and its listing says how many it left out)
     * @param heartbeatSeconds a {@code heartbeat} notice this often, so clients and proxies see the
     *                    stream alive when nothing changes
     */
    public ChangeFeed(int retained, int latestSales, int heartbeatSeconds) {
        this.retained = retained;
        this.latestSales = latestSales;
        this.writer = new Thread(() -> run(TimeUnit.SECONDS.toNanos(heartbeatSeconds)), "vendstream-change-feed");
        writer.setDaemon(true);
        writer.start();
    }

    // ------------------------------------------------------------------------------- publishing

    /** After a batch committed: its new events and what the store counted (called by {@link EventStore}). */
    public void committed(List<VendingEvent> fresh, EventStore.Outcome outcome) {
        offer(() -> publish("change", batchNotice(fresh, outcome)));
    }

    /** After an alert rule opened or resolved alerts, or an operator acknowledged one (the alert routes). */
    public void alertsChanged(Object what) {
        offer(() -> publish("alerts", Map.of("at", Instant.now().toString(), "alerts", what == null ? Map.of() : what)));
    }

    private void offer(Runnable task) {
        if (!running) {
            return;
        }
        if (!pending.offer(task)) {
            overflowed = true;
        }
    }

    // ------------------------------------------------------------------------------- following

    /**
     * Subscribes: first the notices after {@code lastEventId} (or a {@code reset} when they are no
     * longer kept), then every new one. Called from any thread; the subscriber is called on the
     * feed's thread and must not block.
     */
    public void subscribe(Consumer<Notice> subscriber, Optional<String> lastEventId) {
        offer(() -> {
            lastEventId.ifPresent(id -> replay(id, subscriber));
            subscribers.add(subscriber);
        });
    }

    public void unsubscribe(Consumer<Notice> subscriber) {
        subscribers.remove(subscriber);
    }

    /** False once the application is stopping. */
    public boolean isOpen() {
        return running;
    }

    /** Screens following now. */
    public int subscribers() {
        return subscribers.size();
    }

    private void replay(String lastEventId, Consumer<Notice> subscriber) {
        int dash = lastEventId.lastIndexOf('-');
        long last = -1;
        if (dash > 0 && lastEventId.substring(0, dash).equals(start)) {
            try {
                last = Long.parseLong(lastEventId.substring(dash + 1));
            } catch (NumberFormatException e) {
                last = -1;
            }
        }
        Notice oldest = recent.peekFirst();
        if (last < 0 || (oldest != null && oldest.sequence() > last + 1) || (oldest == null && last < sequence)) {
            subscriber.accept(notice("reset", Map.of("at", Instant.now().toString(),
                    "reason", "the changes since " + lastEventId + " are no longer kept: reload everything")));
            return;
        }
        for (Notice n : recent) {
            if (n.sequence() > last) {
                subscriber.accept(n);
            }
        }
    }

    // ---------------------------------------------------------------------------------- the thread

    private void run(long heartbeatNanos) {
        long nextHeartbeat = System.nanoTime() + heartbeatNanos;
        while (running) {
            try {
                Runnable task = pending.poll(Math.max(1, nextHeartbeat - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (overflowed) {
                    overflowed = false;
                    publish("reset", Map.of("at", Instant.now().toString(), "reason", "changes came faster than they could be sent"));
                }
                if (task != null) {
                    task.run();
                }
                if (System.nanoTime() - nextHeartbeat >= 0) {
                    nextHeartbeat = System.nanoTime() + heartbeatNanos;
                    deliver(notice("heartbeat", Map.of("at", Instant.now().toString(), "screens", subscribers.size())));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warn("Change feed: a notice could not be sent: {}", e.toString());
            }
        }
    }

    private void publish(String event, Object data) {
        Notice n = notice(event, data);
        recent.addLast(n);
        while (recent.size() > retained) {
            recent.removeFirst();
        }
        deliver(n);
    }

    private void deliver(Notice n) {
        for (Consumer<Notice> s : subscribers) {
            try {
                s.accept(n);
            } catch (RuntimeException e) {
                subscribers.remove(s);
            }
        }
    }

    private Notice notice(String event, Object data) {
        long seq = "heartbeat".equals(event) ? sequence : ++sequence;
        String id = start + "-" + seq;
        try {
            String frame = "id: " + id + "\nevent: " + event + "\ndata: " + JSON.writeValueAsString(data) + "\n\n";
            return new Notice(id, seq, event, frame.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ----------------------------------------------------------------------------- the notice

    /**
     * What a screen needs to show a batch at once: sales, units and revenue per location, the
     * newest sales in full (as {@code /api/transactions/recent} lists them), every slot whose stock
     * changed, the machines concerned, and the store's counts.
     */
    private Map<String, Object> batchNotice(List<VendingEvent> fresh, EventStore.Outcome outcome) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("committedAt", Instant.now().toString());
        Map<String, Map<String, Object>> byLocation = new TreeMap<>();
        Map<String, Map<String, Object>> stock = new TreeMap<>();
        List<VendingEvent> sales = new ArrayList<>();
        int restocks = 0;
        for (VendingEvent e : fresh) {
            if (e.isSale()) {
                sales.add(e);
                Map<String, Object> l = byLocation.computeIfAbsent(e.location(),
                        k -> new LinkedHashMap<>(Map.of("sales", 0L, "units", 0L, "revenue", BigDecimal.ZERO)));
                l.merge("sales", 1L, (a, b) -> (Long) a + (Long) b);
                l.merge("units", (long) e.quantity(), (a, b) -> (Long) a + (Long) b);
                l.merge("revenue", e.amount(), (a, b) -> ((BigDecimal) a).add((BigDecimal) b));
            } else {
                restocks++;
            }
            if (e.stockAfter() != null) {
                stock.put(e.machineId() + "\u0000" + e.product(), slot(e));
            }
        }
        n.put("sales", sales.size());
        n.put("restocks", restocks);
        n.put("byLocation", byLocation);
        sales.sort((a, b) -> b.occurredAt().compareTo(a.occurredAt()));
        n.put("latest", sales.stream().limit(latestSales).map(ChangeFeed::sale).toList());
        n.put("latestLeftOut", Math.max(0, sales.size() - latestSales));
        n.put("stock", new ArrayList<>(stock.values()));
        n.put("machines", fresh.stream().map(VendingEvent::machineId).distinct().sorted().toList());
        n.put("pipeline", Map.of("consumed", outcome.consumed(), "stored", outcome.stored(),
                "duplicates", outcome.duplicates(), "rejected", outcome.rejected()));
        return n;
    }

    private static Map<String, Object> slot(VendingEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("machineId", e.machineId());
        m.put("location", e.location());
        m.put("product", e.product());
        m.put("stockAfter", e.stockAfter());
        m.put("type", e.isSale() ? "sale" : "restock");
        return m;
    }

    private static Map<String, Object> sale(VendingEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("eventId", e.eventId().toString());
        m.put("occurredAt", e.occurredAt().toString());
        m.put("machineId", e.machineId());
        m.put("location", e.location());
        m.put("product", e.product());
        m.put("category", e.category());
        m.put("quantity", e.quantity());
        m.put("unitPrice", e.unitPrice());
        m.put("amount", e.amount());
        m.put("currency", e.currency());
        m.put("paymentMethod", e.paymentMethod());
        m.put("stockAfter", e.stockAfter());
        return m;
    }

    /** Stops the feed's thread (a bean's destroy method). */
    @Override
    public void close() {
        running = false;
        writer.interrupt();
    }
}
