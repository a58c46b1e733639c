package io.vendstream.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.vendstream.config.StartupException;
import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The embedded PostgreSQL as the application runs it as root (the server under the
 * {@code nobody} account): who owns what, durability across restarts, and recovery from a
 * previous run that was killed. The ordinary-user path is {@link ManagedPostgresOrdinaryUserTest}.
 */
class ManagedPostgresTest {

    private static final String USER = "vendstream";
    private static final String PASSWORD = "managed-secret";
    private static final int NOBODY_UID = 65534;
    private static final Path DATA = Path.of("target", "managed-postgres").toAbsolutePath();

    @BeforeAll
    static void freshDataDirectory() throws IOException {
        deleteRecursively(DATA);
    }

    @Test
    void should_run_the_server_as_nobody_and_keep_committed_rows_across_a_restart_when_started_as_root() throws Exception {
        assumeTrue(ManagedPostgres.isRoot(), "the root path needs root; this JVM runs as " + System.getProperty("user.name"));
        ManagedPostgres first = new ManagedPostgres(DATA, TestInfrastructure.freePort(), USER, PASSWORD).start();
        long postmaster;
        try {
            postmaster = postmasterPid(first);
            assertThat(uidOf(postmaster)).as("uid of the postmaster").isEqualTo(NOBODY_UID);
            List<Long> children = ProcessHandle.of(postmaster).orElseThrow().descendants().map(ProcessHandle::pid).toList();
            assertThat(children).as("server processes").isNotEmpty();
            for (long child : children) {
                assertThat(uidOf(child)).as("uid of server process %d", child).isEqualTo(NOBODY_UID);
            }
            assertThat(Files.getOwner(first.clusterDirectory()).getName()).isEqualTo("nobody");
            execute(first, "create table if not exists kept (note text)", "insert into kept values ('before restart')");
        } finally {
            first.close();
        }
        assertThat(first.clusterDirectory().resolve("postmaster.pid")).as("a clean stop removes the pid file").doesNotExist();
        assertThat(isRunning(postmaster)).as("postmaster %d running", postmaster).isFalse();

        ManagedPostgres second = new ManagedPostgres(DATA, TestInfrastructure.freePort(), USER, PASSWORD).start();
        try {
            assertThat(query(second, "select note from kept")).containsExactly("before restart");
        } finally {
            second.close();
        }
    }

    @Test
    void should_stop_a_server_left_running_by_a_killed_application_and_start_again_on_the_same_data() throws Exception {
        int port = TestInfrastructure.freePort();
        try (DataDirectoryLock owner = DataDirectoryLock.acquire(DATA)) {
            // never closed: like an application killed with kill -9, it leaves its server running;
            // the lock passes to the next start as the kernel would hand it over once the owner died
            ManagedPostgres abandoned = new ManagedPostgres(owner, port, USER, PASSWORD).start();
            long leftover = postmasterPid(abandoned);
            execute(abandoned, "create table if not exists leftover (note text)", "insert into leftover values ('from the killed run')");

            ManagedPostgres next = new ManagedPostgres(owner, port, USER, PASSWORD).start();
            try {
                assertThat(isRunning(leftover)).as("the leftover server is still running").isFalse();
                assertThat(postmasterPid(next)).isNotEqualTo(leftover);
                assertThat(query(next, "select note from leftover")).containsExactly("from the killed run");
            } finally {
                next.close();
            }
        }
    }

    @Test
    void should_leave_a_running_server_alone_when_the_start_does_not_own_the_data_directory() throws Exception {
        ManagedPostgres running = new ManagedPostgres(DATA, TestInfrastructure.freePort(), USER, PASSWORD).start();
        try {
            long pid = postmasterPid(running);
            ManagedPostgres second = new ManagedPostgres(DATA, TestInfrastructure.freePort(), USER, PASSWORD);

            StartupException error = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class, second::start);

            assertThat(error.getMessage()).contains("pid " + pid, "left alone");
            assertThat(isRunning(pid)).as("the running server").isTrue();
            assertThat(postmasterPid(running)).isEqualTo(pid);
            assertThat(query(running, "select 'still serving'")).containsExactly("still serving");
        } finally {
            running.close();
        }
    }

    @Test
    void should_not_stop_a_server_whose_starting_instance_still_runs_though_its_lock_is_gone() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target"), "owner-alive").toAbsolutePath();
        // a live JVM standing for the instance that started the server, whose lock file was deleted
        // (it lives until its standard input is closed, which destroying it does)
        Path sleeper = Files.writeString(data.resolve("Starter.java"),
                "class Starter { public static void main(String[] a) throws Exception { System.in.read(); } }");
        Process starter = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), sleeper.toString())
                .redirectErrorStream(true).start();
        ManagedPostgres running;
        try (DataDirectoryLock first = DataDirectoryLock.acquire(data)) {
            running = new ManagedPostgres(first, TestInfrastructure.freePort(), USER, PASSWORD).start();
        }
        try {
            Files.writeString(data.resolve(ManagedPostgres.OWNER_FILE), starter.pid() + "\n");
            long pid = postmasterPid(running);
            try (DataDirectoryLock second = DataDirectoryLock.acquire(data)) {
                StartupException error = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class,
                        () -> new ManagedPostgres(second, TestInfrastructure.freePort(), USER, PASSWORD).start());

                assertThat(error.getMessage()).contains("pid " + starter.pid(), "still running");
            }
            assertThat(isRunning(pid)).as("the server of the live instance").isTrue();
            assertThat(query(running, "select 'still serving'")).containsExactly("still serving");
        } finally {
            starter.destroyForcibly();
            running.close();
        }
    }

    @Test
    void should_recover_committed_rows_after_the_server_itself_was_killed() throws Exception {
        ManagedPostgres crashed = new ManagedPostgres(DATA, TestInfrastructure.freePort(), USER, PASSWORD).start();
        execute(crashed, "create table if not exists crash (note text)", "insert into crash values ('committed before the crash')");
        ProcessHandle postmaster = ProcessHandle.of(postmasterPid(crashed)).orElseThrow();
        List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
        all.add(postmaster);
        all.forEach(ProcessHandle::destroyForcibly);
        // gone for good (reaped), as after a crash; until then pg_ctl still sees a live pid
        await("server processes killed and reaped").atMost(Duration.ofSeconds(30))
                .until(() -> all.stream().noneMatch(p -> Files.exists(Path.of("/proc", String.valueOf(p.pid())))));
        assertThat(crashed.clusterDirectory().resolve("postmaster.pid")).as("a stale pid file stays behind").exists();

        ManagedPostgres recovered = new ManagedPostgres(DATA, TestInfrastructure.freePort(), USER, PASSWORD).start();
        try {
            assertThat(query(recovered, "select note from crash")).containsExactly("committed before the crash");
        } finally {
            recovered.close();
        }
    }

    @Test
    void should_start_as_root_from_a_data_directory_whose_parent_only_root_can_enter() throws Exception {
        assumeTrue(ManagedPostgres.isRoot(), "the root path needs root");
        // like a checkout under /root (mode 700)
        Path privateParent = Files.createTempDirectory(Path.of("target"), "private-parent").toAbsolutePath();
        Files.setPosixFilePermissions(privateParent, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path data = privateParent.resolve("data");
        if (!ManagedPostgres.canKeepTraverseCapability()) {
            StartupException error = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class,
                    () -> new ManagedPostgres(data, TestInfrastructure.freePort(), USER, PASSWORD).start());
            assertThat(error.getMessage()).contains("not traversable", "vendstream.data-dir");
            return;
        }
        ManagedPostgres postgres = new ManagedPostgres(data, TestInfrastructure.freePort(), USER, PASSWORD).start();
        try {
            assertThat(query(postgres, "select 'reachable'")).containsExactly("reachable");
            assertThat(Files.getOwner(postgres.clusterDirectory()).getName()).isEqualTo("nobody");
        } finally {
            postgres.close();
        }
    }

    @Test
    void should_refuse_a_data_directory_from_another_postgresql_version_naming_the_setting() throws IOException {
        Path data = Files.createTempDirectory(Path.of("target"), "pg15-data");
        Files.createDirectories(data.resolve("postgres"));
        Files.writeString(data.resolve("postgres/PG_VERSION"), "15\n");

        ManagedPostgres postgres = new ManagedPostgres(data, TestInfrastructure.freePort(), USER, PASSWORD);
        StartupException error = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class, postgres::start);

        assertThat(error.getMessage()).contains("created by PostgreSQL 15", "vendstream.data-dir").doesNotContain("\n");
        assertThat(data.resolve("runtime")).as("nothing unpacked for a refused directory").doesNotExist();
    }

    // ---------------------------------------------------------------------------------------

    private static long postmasterPid(ManagedPostgres postgres) throws IOException {
        return Long.parseLong(Files.readAllLines(postgres.clusterDirectory().resolve("postmaster.pid")).get(0).trim());
    }

    /** Alive and not a zombie (a daemonised server that exits may wait a while to be reaped). */
    private static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            char state = stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** The real uid of a process, from /proc. */
    private static int uidOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no Uid line for process " + pid);
    }

    private static Connection connect(ManagedPostgres postgres) throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl("postgres"), USER, PASSWORD);
    }

    private static void execute(ManagedPostgres postgres, String... statements) throws SQLException {
        try (Connection c = connect(postgres); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    private static List<String> query(ManagedPostgres postgres, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = connect(postgres); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
