package io.vendstream.queries;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's answers, reused for a short time ({@code vendstream.api.cache-millis}); a Caffeine
 * cache. Every open dashboard polls every couple of seconds; without this each poll of each
 * client is a query, and many clients asking at once queue on the database. Per answer (endpoint
 * and parameters):
 * <ul>
 * <li>younger than the TTL: served as it is;</li>
 * <li>older, but less than twice the TTL (refresh after write): still served, while one
 * background refresh replaces it, so once an answer exists no request waits for the database;</li>
 * <li>missing or older than that (expire after write; nobody asked for a while, or refreshes
 * fail): the request runs the query itself, so a database that cannot answer shows as a 503,
 * never as an old answer.</li>
 * </ul>
 * Requests for the same missing answer share one query. Filters are free text, so the number of
 * answers is bounded; past the bound the answers least likely to be asked again are evicted,
 * the hot ones stay. A TTL of zero turns the cache off. Hits, misses and evictions are published
 * as Micrometer cache metrics ({@code cache_gets_total{cache="..."}} at /observe/metrics).
 */
public final class AnswerCache implements MeterBinder, AutoCloseable {

    /** The cache key; the query rides along so a background refresh can run it again. */
    private record Question(Object key, Supplier<?> query) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Question q && key.equals(q.key);
        }

        @Override
        public int hashCode() {
            return key.hashCode();
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(AnswerCache.class);

    private final String name;
    private final boolean enabled;
    private final Executor refresher;
    private final LoadingCache<Question, Object> answers;

    public AnswerCache(String name, long ttlMillis, long maxAnswers) {
        this(name, ttlMillis, maxAnswers, Ticker.systemTicker(), refreshThreads(name));
    }

    /** For answers that move slowly, reused for {@code ttlSeconds}. */
    public static AnswerCache ofSeconds(String name, long ttlSeconds, long maxAnswers) {
        return new AnswerCache(name, TimeUnit.SECONDS.toMillis(ttlSeconds), maxAnswers);
    }

    AnswerCache(String name, long ttlMillis, long maxAnswers, Ticker ticker, Executor refresher) {
        this.name = Objects.requireNonNull(name);
        this.enabled = ttlMillis > 0;
        this.refresher = refresher;
        Duration ttl = Duration.ofMillis(Math.max(ttlMillis, 1));
        this.answers = Caffeine.newBuilder()
                .ticker(ticker)
                .refreshAfterWrite(ttl)
                .expireAfterWrite(ttl.multipliedBy(2))
                .maximumSize(maxAnswers)
                // bookkeeping (eviction) is cheap and runs on the caller; only refreshes query
                .executor(Runnable::run)
                .recordStats()
                .build(new CacheLoader<Question, Object>() {
                    @Override
                    public Object load(Question question) {
                        return question.query().get();
                    }

                    @Override
                    public CompletableFuture<Object> asyncReload(Question question, Object old, Executor ignored) {
                        return refresh(question);
                    }
                });
    }

    /** The answer for {@code key}, computed by {@code query} when there is none fresh enough. */
    @SuppressWarnings("unchecked")
    public <T> T get(Object key, Supplier<T> query) {
        if (!enabled) {
            return query.get();
        }
        return (T) answers.get(new Question(key, query));
    }

    /**
     * Forgets the answers whose key matches, so the next request asks the database: for answers a
     * write has just changed (an acknowledged alert), which must not come back as they were before.
     */
    public void forget(java.util.function.Predicate<Object> key) {
        answers.asMap().keySet().removeIf(question -> key.test(question.key()));
    }

    /**
     * Runs the query again on the refresh threads (queries block on JDBC: never on the common
     * fork-join pool). A failed refresh keeps the previous answer until it expires; it ends as a
     * cancellation because Caffeine logs any other refresh failure as a warning with a stack trace,
     * for every answer and every try, and an outage is already reported by the 503s (ApiErrors).
     */
    private CompletableFuture<Object> refresh(Question question) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        refresher.execute(() -> {
            try {
                result.complete(question.query().get());
            } catch (RuntimeException e) {
                LOG.debug("Refreshing the answer for {} failed: {}", question.key(), e.getMessage());
                result.cancel(false);
            }
        });
        return result;
    }

    /** How many answers are kept now. */
    long size() {
        answers.cleanUp();
        return answers.estimatedSize();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        CaffeineCacheMetrics.monitor(registry, answers, name);
    }

    @Override
    public void close() {
        if (refresher instanceof ThreadPoolExecutor pool) {
            pool.shutdownNow();
        }
        answers.invalidateAll();
    }

    private static ThreadPoolExecutor refreshThreads(String name) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "vendstream-" + name + "-refresh");
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
