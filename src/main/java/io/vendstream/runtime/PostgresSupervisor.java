package io.vendstream.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.vendstream.config.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the embedded PostgreSQL server and starts it again on the same data directory when it
 * exits without being asked to (killed, or taken by the kernel's OOM killer). PostgreSQL's crash
 * recovery replays the write-ahead log, so every committed transaction is there again; the
 * connection pool discards the broken connections and opens new ones, and the ingest route,
 * which retries a failing store, carries on by itself.
 *
 * <p>A restart that fails (for example because a backend of the dead server still holds its
 * shared memory for a moment) is tried again with exponential backoff; after
 * {@code maxAttempts} failed attempts in a row the supervisor gives up with an error, and the
 * database health check stays DOWN until a person restarts vendstream.
 */
public final class PostgresSupervisor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresSupervisor.class);

    /** How the supervisor watches and restarts; all values come from application.properties. */
    public record Policy(Duration checkInterval, int maxAttempts, Duration initialDelay, Duration maxDelay) {

        Duration delayBefore(int attempt) {
            long millis = initialDelay.toMillis() << Math.min(20, attempt - 1);
            return Duration.ofMillis(Math.min(millis, maxDelay.toMillis()));
        }
    }

    /** What the supervisor knows about the server. */
    public enum State { RUNNING, RESTARTING, GAVE_UP }

    private final ManagedPostgres postgres;
    private final Policy policy;
    private final ScheduledExecutorService executor;
    private volatile State state = State.RUNNING;
    private volatile long pid;
    private volatile long deadPid;
    private volatile long downSinceNanos;
    private volatile int crashes;

    private PostgresSupervisor(ManagedPostgres postgres, Policy policy) {
        this.postgres = postgres;
        this.policy = policy;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vendstream-postgres-supervisor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts watching a server that {@link ManagedPostgres#start()} has just started. */
    public static PostgresSupervisor watch(ManagedPostgres postgres, Policy policy) {
        PostgresSupervisor supervisor = new PostgresSupervisor(postgres, policy);
        supervisor.pid = postgres.postmasterPid().orElse(-1);
        supervisor.executor.scheduleWithFixedDelay(supervisor::check, policy.checkInterval().toMillis(),
                policy.checkInterval().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Supervising the embedded PostgreSQL server (pid {}): restarted if it exits, up to {} attempts",
                supervisor.pid, policy.maxAttempts());
        return supervisor;
    }

    public State state() {
        return state;
    }

    /** How many times the server died unexpectedly since vendstream started. */
    public int crashes() {
        return crashes;
    }

    private void check() {
        if (state != State.RUNNING || alive(pid)) {
            return;
        }
        crashes++;
        deadPid = pid;
        state = State.RESTARTING;
        downSinceNanos = System.nanoTime();
        LOG.error("The embedded PostgreSQL server (pid {}) exited unexpectedly; restarting it on {} (crash recovery "
                + "replays its write-ahead log). Ingest waits meanwhile.", pid, postgres.clusterDirectory());
        schedule(1);
    }

    private void schedule(int attempt) {
        Duration delay = policy.delayBefore(attempt);
        executor.schedule(() -> attempt(attempt), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void attempt(int attempt) {
        LOG.warn("Restarting the embedded PostgreSQL server, attempt {} of {}", attempt, policy.maxAttempts());
        try {
            if (!postgres.restartAfterCrash()) {
                return; // vendstream is stopping
            }
            pid = postgres.postmasterPid().orElse(-1);
            state = State.RUNNING;
            LOG.info("The embedded PostgreSQL server is running again (pid {}), {} s after it exited, at attempt {}",
                    pid, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - downSinceNanos), attempt);
        } catch (IOException | RuntimeException e) {
            if (attempt >= policy.maxAttempts()) {
                state = State.GAVE_UP;
                LOG.error("The embedded PostgreSQL server could not be restarted: {} attempts over {} s failed, the last "
                                + "with: {}. Ingest stays paused and health stays DOWN. See {} and restart vendstream "
                                + "(vendstream.db.embedded.restart.max-attempts sets the limit).{}", attempt,
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - downSinceNanos), Failures.rootMessage(e),
                        postgres.serverLog(), hint(deadPid));
                return;
            }
            Duration next = policy.delayBefore(attempt + 1);
            LOG.warn("Attempt {} to restart the embedded PostgreSQL server failed ({}); next attempt in {} ms", attempt,
                    Failures.rootMessage(e), next.toMillis());
            schedule(attempt + 1);
        }
    }

    /**
     * Whether the process runs; a zombie (dead, not yet reaped by its parent) counts as gone,
     * which {@link ProcessHandle#isAlive()} does not see.
     */
    static boolean alive(long pid) {
        if (pid <= 0) {
            return false;
        }
        char state = procState(pid);
        if (state != 0) {
            return state != 'Z' && state != 'X';
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The state letter of /proc/&lt;pid&gt;/stat (R, S, Z ...), or 0 when unknown. */
    private static char procState(long pid) {
        Path stat = Path.of("/proc", String.valueOf(pid), "stat");
        try {
            String line = Files.readString(stat);
            // pid (comm) S ...: the state follows the last ')', as comm may contain anything
            int end = line.lastIndexOf(')');
            return end > 0 && end + 2 < line.length() ? line.charAt(end + 2) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * A dead server whose parent never collects it keeps its pid, so PostgreSQL refuses to start
     * over its lock file; that happens when vendstream is process 1 of a container without an init.
     */
    private String hint(long deadPid) {
        return procState(deadPid) == 'Z'
                ? " The dead server (pid " + deadPid + ") has not been reaped by its parent process: when vendstream is "
                + "process 1 of a container, run it with an init (docker run --init, compose init: true)."
                : "";
    }

    /** Stops watching; called before the server is stopped on purpose. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
