package io.vendstream.devices;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** One machine's tasks run in the order they came, on a shared pool; a stopping endpoint drops them quietly. */
class SerialExecutorTest {

    @Test
    void should_run_one_machines_tasks_in_order_on_a_shared_pool() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            EmbeddedMqttConsumer.SerialExecutor serial = new EmbeddedMqttConsumer.SerialExecutor(pool);
            List<Integer> ran = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1000);
            for (int i = 0; i < 1000; i++) {
                int n = i;
                serial.execute(() -> {
                    ran.add(n);
                    done.countDown();
                });
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ran).isSorted().hasSize(1000);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void should_drop_a_closing_sessions_tasks_without_throwing_once_the_pool_has_stopped() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        EmbeddedMqttConsumer.SerialExecutor serial = new EmbeddedMqttConsumer.SerialExecutor(pool);
        pool.shutdown();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        List<String> ran = new CopyOnWriteArrayList<>();
        // a session closing after the stop (the connection's close handler on the event loop)
        assertThatCode(() -> serial.execute(() -> ran.add("disconnected"))).doesNotThrowAnyException();
        assertThatCode(() -> serial.execute(() -> ran.add("again"))).doesNotThrowAnyException();
        assertThat(ran).isEmpty();
    }
}
