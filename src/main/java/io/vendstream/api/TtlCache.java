package io.vendstream.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Keeps an answer for a short time. For aggregates that move slowly (four weeks of demand per
 * weekday and hour) but are asked for by every open dashboard every couple of seconds, so many
 * clients cost one query per interval instead of one each. A zero TTL disables it.
 */
final class TtlCache<K, V> {

    private record Entry<V>(V value, Instant expires) {
    }

    private static final int MAX_ENTRIES = 1000;

    private final Duration ttl;
    private final Clock clock;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();

    TtlCache(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    V get(K key, Supplier<V> compute) {
        if (ttl.isZero()) {
            return compute.get();
        }
        Instant now = clock.instant();
        Entry<V> entry = entries.get(key);
        if (entry != null && entry.expires().isAfter(now)) {
            return entry.value();
        }
        V value = compute.get();
        if (entries.size() >= MAX_ENTRIES) {
            // filters are free text: never let distinct keys grow without bound
            entries.clear();
        }
        entries.put(key, new Entry<>(value, now.plus(ttl)));
        return value;
    }
}
