package io.vendstream.runtime;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.vendstream.config.StartupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One data directory, one owner: an exclusive OS lock on {@code <dataDir>/vendstream.lock}, taken
 * before the embedded PostgreSQL or Kafka is touched and held for the application's lifetime.
 *
 * <p>The lock is the kernel's ({@code fcntl} through {@link FileChannel#tryLock()}), not the file's
 * existence: when the owner dies, even by {@code kill -9}, the kernel lets go of it, so nothing is
 * left that blocks the next start. The file itself only tells a second start who the owner is
 * (pid, HTTP address, start time), so its refusal can name them. A start that finds the lock held
 * changes nothing: it opens the existing file without truncating it, reads it and closes it.
 *
 * <p>PostgreSQL's {@code postmaster.pid} and Kafka's log directory {@code .lock} each guard their own
 * directory; this guards the directory as a whole, and is what entitles a start to treat a
 * PostgreSQL server it finds running there as an orphan of a dead instance
 * ({@link ManagedPostgres}).
 */
public final class DataDirectoryLock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirectoryLock.class);
    static final String FILE_NAME = "vendstream.lock";
    /**
     * Directories this JVM holds. A second start in the same JVM must not even open the lock file:
     * closing any descriptor of a file releases the process's fcntl locks on it.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;
    private final Instant since = Instant.now();

    private DataDirectoryLock(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock on {@code dataDir} (created if missing) for this process.
     *
     * @throws StartupException naming the directory and what is known of its owner when another
     *                          process (or another start in this JVM) holds it
     */
    public static DataDirectoryLock acquire(Path dataDir) {
        Path directory = dataDir.toAbsolutePath().normalize();
        Path file = directory.resolve(FILE_NAME);
        if (!HELD.add(directory)) {
            throw refusal(directory, " (pid " + ProcessHandle.current().pid() + ", this very process)");
        }
        FileChannel channel = null;
        try {
            Files.createDirectories(directory);
            // no TRUNCATE_EXISTING: a refused start must leave the owner's description as it was
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            // another process holds it (this JVM's own holds were refused above, without opening the file)
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String owner = describe(readOwner(channel));
                channel.close();
                HELD.remove(directory);
                throw refusal(directory, owner);
            }
            DataDirectoryLock taken = new DataDirectoryLock(directory, channel, lock);
            taken.describeOwner(Optional.empty());
            return taken;
        } catch (IOException e) {
            closeQuietly(channel);
            HELD.remove(directory);
            throw new StartupException("Cannot lock the data directory " + directory + " (" + e.getMessage()
                    + "). Check that it is writable, or set vendstream.data-dir (env VENDSTREAM_DATA_DIR).", e);
        }
    }

    private static StartupException refusal(Path directory, String owner) {
        return new StartupException("The data directory " + directory + " is in use by another vendstream instance"
                + owner + ". One data directory has one owner: stop that instance first, or give this one a "
                + "directory of its own with vendstream.data-dir (env VENDSTREAM_DATA_DIR). Nothing was changed.");
    }

    /** The directory this lock owns, absolute and normalised. */
    public Path directory() {
        return directory;
    }

    /** True while this process holds the lock on {@code dir} itself. */
    public boolean owns(Path dir) {
        return lock.isValid() && directory.equals(dir.toAbsolutePath().normalize());
    }

    /**
     * Records this process as the owner, with the address its HTTP server answers on once known,
     * for a second start to name in its refusal.
     */
    public synchronized void describeOwner(Optional<String> httpAddress) {
        StringBuilder text = new StringBuilder()
                .append("# the vendstream instance that owns this data directory; the lock, not this text, decides\n")
                .append("pid=").append(ProcessHandle.current().pid()).append('\n')
                .append("since=").append(since).append('\n');
        httpAddress.ifPresent(address -> text.append("http=").append(address).append('\n'));
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
        } catch (IOException e) {
            // only the description of the owner is lost; the lock itself holds
            LOG.warn("Could not write the owner of {} into {}: {}", directory, FILE_NAME, e.getMessage());
        }
    }

    /** Lets go of the lock; the file stays, describing the last owner. */
    @Override
    public synchronized void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException e) {
            LOG.debug("Releasing the lock on {}: {}", directory, e.getMessage());
        } finally {
            closeQuietly(channel);
            HELD.remove(directory);
        }
    }

    private static Properties readOwner(FileChannel channel) {
        Properties owner = new Properties();
        try {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), 4096));
            channel.read(buffer, 0);
            owner.load(new StringReader(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            // an owner that has not written its description yet: the refusal names only the directory
        }
        return owner;
    }

    static String describe(Properties owner) {
        List<String> parts = new ArrayList<>();
        Optional.ofNullable(owner.getProperty("pid")).ifPresent(pid -> parts.add("pid " + pid));
        Optional.ofNullable(owner.getProperty("http")).ifPresent(http -> parts.add("dashboard " + http));
        Optional.ofNullable(owner.getProperty("since")).ifPresent(since -> parts.add("running since " + since));
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing held
            }
        }
    }
}
