package io.vendstream.queries;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnswerCacheTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final List<Runnable> refreshes = new ArrayList<>();
    private final AnswerCache cache = new AnswerCache("answers", 1000, 100, now::get, refreshes::add);
    private final AtomicInteger queries = new AtomicInteger();

    private String query() {
        return "answer " + queries.incrementAndGet();
    }

    @Test
    void should_reuse_an_answer_younger_than_the_ttl() {
        assertThat(cache.get("k", this::query)).isEqualTo("answer 1");
        now.addAndGet(999 * MS);
        assertThat(cache.get("k", this::query)).isEqualTo("answer 1");
        assertThat(queries).hasValue(1);
        assertThat(refreshes).isEmpty();
    }

    @Test
    void should_keep_answers_apart_by_key() {
        assertThat(cache.get(List.of("stock", "Engineering"), this::query)).isEqualTo("answer 1");
        assertThat(cache.get(List.of("stock", "Library"), this::query)).isEqualTo("answer 2");
        assertThat(cache.get(List.of("stock", "Engineering"), this::query)).isEqualTo("answer 1");
    }

    @Test
    void should_ask_again_for_the_answers_a_write_has_made_stale_and_keep_the_others() {
        assertThat(cache.get(List.of("alerts", "open"), this::query)).isEqualTo("answer 1");
        assertThat(cache.get(List.of("stock", "Library"), this::query)).isEqualTo("answer 2");
        cache.forget(key -> key instanceof List<?> list && "alerts".equals(list.get(0)));
        assertThat(cache.get(List.of("alerts", "open"), this::query)).isEqualTo("answer 3");
        assertThat(cache.get(List.of("stock", "Library"), this::query)).isEqualTo("answer 2");
    }

    @Test
    void should_serve_an_older_answer_once_while_one_background_refresh_replaces_it() {
        cache.get("k", this::query);
        now.addAndGet(1500 * MS);
        assertThat(cache.get("k", this::query)).isEqualTo("answer 1");
        assertThat(cache.get("k", this::query)).isEqualTo("answer 1");
        assertThat(refreshes).as("one refresh, however many requests").hasSize(1);
        assertThat(queries).hasValue(1);

        refreshes.remove(0).run();
        assertThat(queries).hasValue(2);
        assertThat(cache.get("k", this::query)).isEqualTo("answer 2");
    }

    @Test
    void should_query_in_the_request_when_the_answer_is_older_than_twice_the_ttl() {
        cache.get("k", this::query);
        now.addAndGet(2000 * MS);
        assertThat(cache.get("k", this::query)).isEqualTo("answer 2");
        assertThat(refreshes).isEmpty();
    }

    @Test
    void should_pass_a_failing_query_to_the_request_and_keep_nothing() {
        assertThatThrownBy(() -> cache.get("k", () -> {
            throw new IllegalStateException("database down");
        })).isInstanceOf(IllegalStateException.class).hasMessage("database down");
        assertThat(cache.get("k", this::query)).isEqualTo("answer 1");
    }

    @Test
    void should_not_serve_an_old_answer_for_ever_when_refreshes_fail() {
        AtomicBoolean down = new AtomicBoolean();
        Supplier<String> database = () -> {
            if (down.get()) {
                throw new IllegalStateException("database down");
            }
            return query();
        };
        cache.get("k", database);
        down.set(true);
        now.addAndGet(1500 * MS);
        assertThat(cache.get("k", database)).isEqualTo("answer 1");
        refreshes.remove(0).run();
        // the failed refresh leaves the previous answer in place, still served without waiting
        assertThat(cache.get("k", database)).isEqualTo("answer 1");
        now.addAndGet(600 * MS);
        assertThatThrownBy(() -> cache.get("k", database)).hasMessage("database down");
    }

    @Test
    void should_evict_the_answers_least_asked_for_and_keep_the_hot_one_when_full() {
        AnswerCache small = new AnswerCache("answers", 1000, 10, now::get, refreshes::add);
        assertThat(small.get("summary", this::query)).isEqualTo("answer 1");
        // the dashboards keep polling the summary while somebody tries 200 one-off filters
        for (int i = 0; i < 200; i++) {
            small.get("location " + i, this::query);
            assertThat(small.get("summary", this::query)).as("the hot answer after %d one-off filters", i + 1).isEqualTo("answer 1");
        }
        assertThat(queries).as("one query for the summary, one per filter").hasValue(201);
        assertThat(small.size()).isLessThanOrEqualTo(10);
    }

    @Test
    void should_count_hits_and_misses_as_cache_metrics() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        cache.bindTo(registry);
        cache.get("k", this::query);
        cache.get("k", this::query);
        cache.get("k", this::query);
        assertThat(registry.get("cache.gets").tags("cache", "answers", "result", "hit").functionCounter().count()).isEqualTo(2.0);
        assertThat(registry.get("cache.gets").tags("cache", "answers", "result", "miss").functionCounter().count()).isEqualTo(1.0);
    }

    @Test
    void should_query_every_time_when_the_ttl_is_zero() {
        AnswerCache off = new AnswerCache("answers", 0, 100, now::get, refreshes::add);
        off.get("k", this::query);
        off.get("k", this::query);
        assertThat(queries).hasValue(2);
    }

    @Test
    void should_let_concurrent_requests_for_a_missing_answer_share_one_query() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new CopyOnWriteArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r);
            threads.add(t);
            return t;
        });
        try {
            List<Future<String>> answers = new ArrayList<>();
            answers.add(clients.submit(() -> cache.get("k", () -> {
                started.countDown();
                await(release);
                return query();
            })));
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 7; i++) {
                answers.add(clients.submit(() -> cache.get("k", this::query)));
            }
            // all eight are blocked: the first in its query, the others waiting for its answer
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> threads.size() == 8 && threads.stream()
                    .allMatch(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING
                            || t.getState() == Thread.State.BLOCKED));
            release.countDown();
            for (Future<String> answer : answers) {
                assertThat(answer.get(5, TimeUnit.SECONDS)).isEqualTo("answer 1");
            }
            assertThat(queries).hasValue(1);
        } finally {
            clients.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
