package io.vendstream.api;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's answers, reused for a short time ({@code vendstream.api.cache-millis}). Every open
 * dashboard polls every couple of seconds; without this each poll of each client is a query, and
 * many clients asking at once queue on the database. Per answer (endpoint and parameters):
 * <ul>
 * <li>younger than the TTL: served as it is;</li>
 * <li>older, but less than twice the TTL: still served, while one background refresh replaces it,
 * so once an answer exists no request waits for the database;</li>
 * <li>missing or older than that (nobody asked for a while, or refreshes fail): the request runs
 * the query itself, so a database that cannot answer shows as a 503, never as an old answer.</li>
 * </ul>
 * Requests for the same missing answer share one query. A TTL of zero turns the cache off.
 */
public final class AnswerCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AnswerCache.class);
    /** Filters are free text: distinct keys must not grow without bound. */
    private static final int MAX_ANSWERS = 1000;

    private record Answer(Object value, long askedAtNanos) {
    }

    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final Executor refresher;
    private final Map<Object, Answer> answers = new ConcurrentHashMap<>();
    private final Map<Object, CompletableFuture<Object>> running = new ConcurrentHashMap<>();
    private final Set<Object> refreshing = ConcurrentHashMap.newKeySet();

    public AnswerCache(long ttlMillis) {
        this(ttlMillis, System::nanoTime, new ThreadPoolExecutor(0, 2, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "vendstream-api-refresh");
            t.setDaemon(true);
            return t;
        }));
    }

    AnswerCache(long ttlMillis, LongSupplier nanoClock, Executor refresher) {
        this.ttlNanos = TimeUnit.MILLISECONDS.toNanos(ttlMillis);
        this.nanoClock = nanoClock;
        this.refresher = refresher;
    }

    /** The answer for {@code key}, computed by {@code query} when there is none fresh enough. */
    @SuppressWarnings("unchecked")
    public <T> T get(Object key, Supplier<T> query) {
        if (ttlNanos <= 0) {
            return query.get();
        }
        Answer answer = answers.get(key);
        if (answer != null) {
            long age = nanoClock.getAsLong() - answer.askedAtNanos();
            if (age < ttlNanos) {
                return (T) answer.value();
            }
            if (age < 2 * ttlNanos) {
                refreshInBackground(key, query);
                return (T) answer.value();
            }
        }
        try {
            return (T) compute(key, query).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private CompletableFuture<Object> compute(Object key, Supplier<?> query) {
        CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> other = running.putIfAbsent(key, mine);
        if (other != null) {
            return other;
        }
        try {
            long askedAt = nanoClock.getAsLong();
            Object value = query.get();
            if (answers.size() >= MAX_ANSWERS) {
                answers.clear();
            }
            answers.put(key, new Answer(value, askedAt));
            mine.complete(value);
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
        } finally {
            running.remove(key, mine);
        }
        return mine;
    }

    private void refreshInBackground(Object key, Supplier<?> query) {
        if (!refreshing.add(key)) {
            return;
        }
        try {
            refresher.execute(() -> {
                try {
                    compute(key, query).exceptionally(e -> {
                        LOG.debug("Refreshing the answer for {} failed: {}", key, e.getMessage());
                        return null;
                    });
                } finally {
                    refreshing.remove(key);
                }
            });
        } catch (RejectedExecutionException busy) {
            // both refresh threads are busy: the next request asks again
            refreshing.remove(key);
        }
    }

    @Override
    public void close() {
        if (refresher instanceof ThreadPoolExecutor pool) {
            pool.shutdownNow();
        }
        answers.clear();
    }
}
