package io.vendstream.runtime;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.vendstream.config.StartupException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the binaries bundled on the classpath, with its cluster in
 * {@code <dataDir>/postgres} so data survives restarts.
 *
 * <p>PostgreSQL refuses to run as uid 0. When the JVM runs as root, initdb and the server run
 * under the unprivileged {@code nobody} account (through {@code setpriv}), which owns the cluster
 * directory. That works where user namespaces are blocked (containers, CI pods), unlike the
 * {@code unshare -U} trick. So that a checkout under a private home (e.g. {@code /root}) still
 * works, the server keeps only the capability to traverse directories (CAP_DAC_READ_SEARCH)
 * when the system allows it, and the binaries are then unpacked outside the private directory;
 * otherwise every parent of the data directory must be traversable by {@code nobody}, and the
 * error says so.
 *
 * <p>The server is durable (fsync and synchronous commit stay on) and listens on 127.0.0.1 only,
 * with password authentication. A server left running by a previous JVM that was killed is
 * found through its {@code postmaster.pid} and stopped before this one starts, but only by a start
 * that holds the data directory's {@link DataDirectoryLock} (so its owner is dead) and only when
 * the process really is a server on this cluster; without the lock such a server is refused, never
 * stopped, because it may belong to a live instance.
 */
public final class ManagedPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedPostgres.class);
    private static final String PG_MAJOR = "17";
    private static final String UNPRIVILEGED_USER = "nobody";
    /** In the data directory: the pid of the instance that started the server (see stopLeftoverServer). */
    static final String OWNER_FILE = "postgres.owner";

    private final Path root;
    private final Path binaries;
    private final Path cluster;
    private final int port;
    private final String user;
    private final String password;
    private final List<String> runAs;
    private final DataDirectoryLock owner;
    private boolean running;

    /**
     * @param dataDir  the product's data directory; the cluster goes in {@code dataDir/postgres}
     * @param port     TCP port on 127.0.0.1
     * @param user     the superuser created by initdb (and used by the application)
     * @param password its password
     */
    public ManagedPostgres(Path dataDir, int port, String user, String password) {
        this(dataDir, null, port, user, password);
    }

    /**
     * A server on the data directory {@code owner} locks: the one kind of start allowed to stop a
     * server a dead instance left running there.
     */
    public ManagedPostgres(DataDirectoryLock owner, int port, String user, String password) {
        this(owner.directory(), owner, port, user, password);
    }

    private ManagedPostgres(Path dataDir, DataDirectoryLock owner, int port, String user, String password) {
        this.owner = owner;
        this.root = dataDir.toAbsolutePath().normalize();
        this.runAs = isRoot() ? unprivilegedPrefix() : List.of();
        this.binaries = binariesDirectory(root, !runAs.isEmpty());
        this.cluster = root.resolve("postgres");
        this.port = port;
        this.user = user;
        this.password = password;
    }

    public Path clusterDirectory() {
        return cluster;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Unpacks the binaries if needed, creates the cluster on first use, and starts the server. */
    public synchronized ManagedPostgres start() {
        try {
            Files.createDirectories(root);
            boolean existing = Files.exists(cluster.resolve("PG_VERSION"));
            // the cheap checks first, so a wrong setting fails in milliseconds, not after unpacking
            if (existing) {
                checkClusterVersion();
            }
            if (!Files.exists(cluster.resolve("postmaster.pid"))) {
                ensurePortFree();
            }
            unpackBinaries();
            if (!existing) {
                initCluster();
            }
            stopLeftoverServer();
            ensurePortFree();
            writeServerConfig();
            pgCtl(Duration.ofSeconds(90), "-D", cluster.toString(), "-l", cluster.resolve("server.log").toString(),
                    "-w", "-t", "80", "start");
            running = true;
            if (ownsDirectory()) {
                // which instance started this server, for a later start to check before it stops it
                Files.writeString(root.resolve(OWNER_FILE), ProcessHandle.current().pid() + "\n");
            }
            return this;
        } catch (IOException e) {
            throw new StartupException("Embedded PostgreSQL could not start: " + e.getMessage()
                    + " (server log: " + cluster.resolve("server.log") + ")", e);
        }
    }

    /**
     * The server process's id, from the first line of {@code postmaster.pid} (as root the server
     * runs as {@code nobody}, so this is the only reliable way to find it); empty when there is none.
     */
    public OptionalLong postmasterPid() {
        try {
            List<String> lines = Files.readAllLines(cluster.resolve("postmaster.pid"));
            return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Starts the server again on the same cluster after it died: PostgreSQL sees that it was not
     * shut down cleanly and replays its write-ahead log before accepting connections. Does nothing
     * once {@link #close()} has been called.
     *
     * @return false when the server has been closed meanwhile
     * @throws IOException when pg_ctl could not start it (e.g. a backend of the dead server still
     *                     holds its shared memory); the caller tries again later
     */
    synchronized boolean restartAfterCrash() throws IOException {
        if (!running) {
            return false;
        }
        writeServerConfig();
        long logSize = Files.exists(serverLog()) ? Files.size(serverLog()) : 0;
        try {
            pgCtl(Duration.ofSeconds(90), "-D", cluster.toString(), "-l", cluster.resolve("server.log").toString(),
                    "-w", "-t", "80", "start");
        } catch (IOException e) {
            // pg_ctl only says "examine the log output": the server's own reason is more useful
            Optional<String> fatal = lastFatalLine(logSize);
            throw fatal.isPresent() ? new IOException(fatal.get()) : e;
        }
        return true;
    }

    /** The last FATAL line the server logged after {@code offset}, i.e. during this attempt. */
    private Optional<String> lastFatalLine(long offset) {
        try {
            byte[] log = Files.readAllBytes(serverLog());
            String added = new String(log, (int) Math.min(offset, log.length), (int) Math.max(0, log.length - offset),
                    StandardCharsets.UTF_8);
            return added.lines().filter(l -> l.contains("FATAL:")).reduce((a, b) -> b)
                    .map(l -> l.substring(l.indexOf("FATAL:")).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    Path serverLog() {
        return cluster.resolve("server.log");
    }

    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        if (!Files.exists(cluster.resolve("postmaster.pid"))) {
            LOG.info("Embedded PostgreSQL was not running any more");
            return;
        }
        try {
            pgCtl(Duration.ofSeconds(30), "-D", cluster.toString(), "-m", "fast", "-w", "-t", "20", "stop");
            LOG.info("Embedded PostgreSQL stopped");
        } catch (IOException | RuntimeException e) {
            LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------

    private void initCluster() throws IOException {
        LOG.info("Creating a new PostgreSQL {} cluster in {}", PG_MAJOR, cluster);
        Files.createDirectories(cluster);
        Files.setPosixFilePermissions(cluster, PosixFilePermissions.fromString("rwx------"));
        Path pwfile = Files.createTempFile(root, "pw", ".tmp");
        try {
            Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
            handToServerAccount(cluster);
            handToServerAccount(pwfile);
            run(Duration.ofMinutes(2), command(binaries.resolve("bin/initdb").toString(),
                    "-D", cluster.toString(), "-U", user, "--pwfile=" + pwfile, "--auth=scram-sha-256",
                    "--encoding=UTF8", "--no-locale", "--no-instructions"));
        } finally {
            Files.deleteIfExists(pwfile);
        }
        // our settings live in a file of their own, rewritten at every start
        Files.writeString(cluster.resolve("postgresql.conf"), "\ninclude_if_exists = 'vendstream.conf'\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    private void checkClusterVersion() throws IOException {
        String version = Files.readString(cluster.resolve("PG_VERSION")).trim();
        if (!PG_MAJOR.equals(version)) {
            throw new StartupException("The PostgreSQL data in " + cluster + " was created by PostgreSQL " + version
                    + ", but this build embeds PostgreSQL " + PG_MAJOR + ". Move that directory aside (or set "
                    + "vendstream.data-dir to another directory), or point vendstream.db.url at a PostgreSQL "
                    + version + " server.");
        }
    }

    private void stopLeftoverServer() throws IOException {
        OptionalLong pid = postmasterPid();
        if (pid.isEmpty() || !runsOnThisCluster(pid.getAsLong())) {
            // no pid file, or a stale one (its process is gone or is now something else): PostgreSQL
            // itself ignores a pid file whose process is gone; one whose pid was reused would make
            // it refuse to start, so the owner of the directory removes it
            if (pid.isPresent() && ownsDirectory() && ProcessHandle.of(pid.getAsLong()).isPresent()) {
                LOG.warn("Removing a stale postmaster.pid from {}: its pid {} is not a PostgreSQL server on this cluster",
                        cluster, pid.getAsLong());
                Files.deleteIfExists(cluster.resolve("postmaster.pid"));
            }
            return;
        }
        if (!ownsDirectory()) {
            throw new StartupException("A PostgreSQL server (pid " + pid.getAsLong() + ") is running on " + cluster
                    + ". It may belong to a running instance, so it is left alone: stop that instance first.");
        }
        // we hold the directory's lock, so the instance that started this server should be dead; if it
        // is not (its lock file was deleted while it ran), its server is not an orphan
        OptionalLong starter = starterPid();
        if (starter.isPresent() && starter.getAsLong() != ProcessHandle.current().pid()
                && ProcessHandle.of(starter.getAsLong()).map(p -> p.info().command().orElse("").contains("java")).orElse(false)) {
            throw new StartupException("The PostgreSQL server (pid " + pid.getAsLong() + ") on " + cluster + " was started by the "
                    + "vendstream instance with pid " + starter.getAsLong() + ", which is still running (was its lock file "
                    + root.resolve(DataDirectoryLock.FILE_NAME) + " deleted?). Stop that instance first.");
        }
        LOG.warn("A PostgreSQL server (pid {}) from an earlier run that did not shut down is still running on {}; "
                + "stopping it before starting again", pid.getAsLong(), cluster);
        pgCtl(Duration.ofSeconds(60), "-D", cluster.toString(), "-m", "fast", "-w", "-t", "45", "stop");
    }

    private OptionalLong starterPid() {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(root.resolve(OWNER_FILE)).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private boolean ownsDirectory() {
        return owner != null && owner.owns(root);
    }

    /**
     * Whether {@code pid} is a server on this cluster: the postmaster's working directory is its
     * data directory. Where {@code /proc} cannot tell, {@code pg_ctl status} decides (it only
     * checks that the pid is alive).
     */
    private boolean runsOnThisCluster(long pid) throws IOException {
        if (ProcessHandle.of(pid).isEmpty()) {
            return false;
        }
        try {
            return Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "cwd")).equals(cluster.toRealPath());
        } catch (IOException | UnsupportedOperationException e) {
            // status exits 0 when a server is running on this cluster, 3 when the pid file is stale
            return runForExit(Duration.ofSeconds(20), command(binaries.resolve("bin/pg_ctl").toString(),
                    "-D", cluster.toString(), "status")) == 0;
        }
    }

    private void ensurePortFree() {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new StartupException("Port " + port + " on 127.0.0.1 is already in use, so the embedded PostgreSQL "
                    + "cannot listen there. Set vendstream.db.embedded.port (env VENDSTREAM_DB_EMBEDDED_PORT) to a free "
                    + "port, or point vendstream.db.url at your own server.");
        }
    }

    private void writeServerConfig() throws IOException {
        String config = String.join("\n",
                "# written by vendstream at every start; edit vendstream's properties instead",
                "listen_addresses = '127.0.0.1'",
                "port = " + port,
                "unix_socket_directories = ''",
                "max_connections = 200",
                "shared_buffers = 256MB",
                "fsync = on",
                "synchronous_commit = on",
                "full_page_writes = on",
                "max_wal_size = 2GB",
                "checkpoint_timeout = 15min",
                "timezone = 'UTC'",
                "log_min_messages = warning",
                "");
        Path file = cluster.resolve("vendstream.conf");
        Files.writeString(file, config, StandardCharsets.UTF_8);
        handToServerAccount(file);
    }

    /**
     * Where the binaries are unpacked: under the data directory, unless the server runs as
     * {@code nobody} and a parent of the data directory is private (e.g. {@code /root}). initdb and
     * pg_ctl check their executables with access(2), which ignores the traverse capability the
     * server keeps, so then the binaries go to a directory everyone can reach, owned by this user.
     */
    private static Path binariesDirectory(Path root, boolean unprivilegedServer) {
        Path own = root.resolve("runtime").resolve("postgresql-" + bundledVersionTag());
        if (!unprivilegedServer || firstPrivateParent(root) == null) {
            return own;
        }
        Path shared = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath()
                .resolve("vendstream-postgresql-" + bundledVersionTag());
        if (firstPrivateParent(shared.getParent()) != null || (Files.exists(shared, LinkOption.NOFOLLOW_LINKS) && !ownedByMe(shared))) {
            throw new StartupException("Running as root, the embedded PostgreSQL runs as '" + UNPRIVILEGED_USER
                    + "', which cannot reach " + root + " (" + firstPrivateParent(root) + " is private), and " + shared
                    + " cannot hold its binaries instead. Set vendstream.data-dir (env VENDSTREAM_DATA_DIR) to a directory "
                    + "such as /var/lib/vendstream, or run as an ordinary user.");
        }
        return shared;
    }

    private static boolean ownedByMe(Path path) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            return Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                    && Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))
                    && !perms.contains(PosixFilePermission.GROUP_WRITE) && !perms.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException e) {
            return false;
        }
    }

    /** The nearest existing directory on the way to {@code dir} that other users cannot traverse, or null. */
    private static Path firstPrivateParent(Path dir) {
        Path found = null;
        for (Path p = dir; p != null; p = p.getParent()) {
            try {
                if (Files.exists(p) && !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    found = p;
                }
            } catch (IOException | UnsupportedOperationException e) {
                return null;
            }
        }
        return found;
    }

    private void unpackBinaries() throws IOException {
        Path marker = binaries.resolve(".complete");
        if (Files.exists(marker)) {
            return;
        }
        String resource = bundleName();
        LOG.info("Unpacking PostgreSQL binaries ({}) into {}", resource, binaries);
        Files.createDirectories(binaries.getParent());
        // staged next to the target and moved in complete, so another process never sees half of it
        Path staging = Files.createTempDirectory(binaries.getParent(), ".postgresql-unpack");
        try (InputStream in = ManagedPostgres.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new StartupException("No embedded PostgreSQL binaries for this platform (" + resource
                        + " is not on the classpath). Point vendstream.db.url at a PostgreSQL server instead.");
            }
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new XZCompressorInputStream(new BufferedInputStream(in, 1 << 16)))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path target = staging.resolve(entry.getName()).normalize();
                    if (!target.startsWith(staging)) {
                        throw new IOException("unsafe path in PostgreSQL bundle: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(target.getParent());
                        Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(tar, target);
                        Files.setPosixFilePermissions(target, permissions(entry.getMode()));
                    }
                }
            }
            // world-readable, so that the unprivileged server account can run them
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(staging.resolve(".complete"), resource + "\n");
            if (!Files.exists(marker)) {
                deleteRecursively(binaries); // an incomplete unpack from an interrupted start
                Files.move(staging, binaries);
            }
        } finally {
            deleteRecursively(staging);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = PosixFilePermissions.fromString("rw-r--r--");
        if ((mode & 0100) != 0) {
            set.addAll(PosixFilePermissions.fromString("--x--x--x"));
        }
        return set;
    }

    private static String bundleName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String system = os.contains("mac") ? "darwin" : "linux";
        String machine = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm_64";
            default -> arch;
        };
        return "postgres-" + system + "-" + machine + ".txz";
    }

    private static String bundledVersionTag() {
        return PG_MAJOR + "-" + bundleName().replace(".txz", "");
    }

    // --- running commands, as nobody when we are root ------------------------------------------

    private void pgCtl(Duration timeout, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binaries.resolve("bin/pg_ctl").toString());
        cmd.addAll(List.of(args));
        run(timeout, command(cmd.toArray(String[]::new)));
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(runAs);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void run(Duration timeout, List<String> cmd) throws IOException {
        Result result = execute(timeout, cmd);
        if (result.exit != 0) {
            throw new IOException(String.join(" ", cmd.subList(runAs.size(), cmd.size())).replace(binaries + "/bin/", "")
                    + " failed (exit " + result.exit + "): " + result.output.strip());
        }
    }

    private int runForExit(Duration timeout, List<String> cmd) throws IOException {
        return execute(timeout, cmd).exit;
    }

    private record Result(int exit, String output) {
    }

    private Result execute(Duration timeout, List<String> cmd) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true);
        builder.environment().put("LC_ALL", "C");
        builder.environment().put("PGTZ", "UTC");
        builder.directory(root.toFile());
        Process process = builder.start();
        process.getOutputStream().close();
        try {
            // pg_ctl start leaves the server holding no pipe of ours (its output goes to -l)
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(cmd + " did not finish within " + timeout.toSeconds() + " s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + cmd.get(runAs.size()), e);
        }
    }

    private void handToServerAccount(Path path) throws IOException {
        if (runAs.isEmpty()) {
            return;
        }
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(path, lookup.lookupPrincipalByName(UNPRIVILEGED_USER));
        Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setGroup(lookup.lookupPrincipalByGroupName(nobodyGroup()));
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name")) || currentUid() == 0;
    }

    private static long currentUid() {
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid();
        } catch (Throwable e) {
            return -1;
        }
    }

    private List<String> unprivilegedPrefix() {
        List<String> prefix = new ArrayList<>(List.of("setpriv", "--reuid=" + UNPRIVILEGED_USER,
                "--regid=" + nobodyGroup(), "--clear-groups"));
        if (canKeepTraverseCapability()) {
            prefix.addAll(List.of("--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"));
        } else {
            requireTraversable(root);
        }
        return prefix;
    }

    /** True when the bounding set still has CAP_DAC_READ_SEARCH (bit 2), e.g. not in a default Docker container. */
    static boolean canKeepTraverseCapability() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapBnd:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (caps & (1L << 2)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or no /proc: fall through to the plain check
        }
        return false;
    }

    private static void requireTraversable(Path dir) {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (!Files.exists(p)) {
                continue;
            }
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new StartupException("Running as root, the embedded PostgreSQL runs as the unprivileged user '"
                            + UNPRIVILEGED_USER + "', which cannot reach " + dir + " because " + p
                            + " is not traversable by other users. Set vendstream.data-dir (env VENDSTREAM_DATA_DIR) "
                            + "to a directory such as /var/lib/vendstream, or run as an ordinary user.");
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private static String nobodyGroup() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/group"))) {
                String[] f = line.split(":");
                if (f.length > 2 && ("nogroup".equals(f[0]) || "nobody".equals(f[0]))) {
                    return f[0];
                }
            }
        } catch (IOException e) {
            // fall back to the common name
        }
        return "nogroup";
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
