package io.vendstream.devices;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import javax.sql.DataSource;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vendstream.http.BadParameterException;
import io.vendstream.http.ConflictException;
import io.vendstream.http.DeviceCredentials;
import io.vendstream.http.NotFoundException;
import io.vendstream.http.Params;

/**
 * The machines that connect directly, each with its own secret (table {@code devices}). A secret
 * is 32 random bytes, shown once when it is issued ({@link #register}, {@link #rotate}); only its
 * SHA-256 is stored. {@link #authenticate} answers from a short-lived cache of the stored digests,
 * so 2,000 devices reconnecting at once cost one lookup each, and a revocation or rotation on this
 * instance takes effect at once (on another instance within {@code cacheTtl}); the listeners of
 * {@link #onRevoked} close the device's open sessions.
 */
public final class DeviceRegistry implements DeviceCredentials {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A registered device, without its secret. */
    public record Device(String machineId, String registeredAt, String registeredBy, String rotatedAt,
                         String revokedAt, String revokedBy, boolean connected, String sessionSince,
                         String sessionAddress, String sessionEnded, String reportedStatus, String reportedAt) {
    }

    /** A newly issued secret: the only time it is shown. */
    public record Issued(String machineId, String secret) {
    }

    private record Stored(byte[] digest, boolean revoked) {
    }

    private final DataSource dataSource;
    private final Cache<String, Optional<Stored>> stored;
    private final List<Consumer<String>> revokedListeners = new CopyOnWriteArrayList<>();

    public DeviceRegistry(DataSource dataSource, long cacheTtlMillis) {
        this.dataSource = dataSource;
        this.stored = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfterWrite(Duration.ofMillis(Math.max(0, cacheTtlMillis))).build();
    }

    /**
     * Registers a machine and issues its secret. A machine registered before and revoked gets a new
     * secret; one registered and active is refused (rotate it instead).
     */
    public Issued register(String machineId, String by) throws SQLException {
        checkMachineId(machineId);
        String secret = newSecret();
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("""
                     insert into devices (machine_id, secret_sha256, registered_by) values (?, ?, ?)
                     on conflict (machine_id) do update
                        set secret_sha256 = excluded.secret_sha256, registered_at = now(), registered_by = excluded.registered_by,
                            rotated_at = null, revoked_at = null, revoked_by = null
                      where devices.revoked_at is not null""")) {
            st.setString(1, machineId);
            st.setBytes(2, sha256(secret));
            st.setString(3, by);
            if (st.executeUpdate() == 0) {
                throw new ConflictException("machineId", "machine " + machineId + " is already registered; rotate its secret (POST /api/devices/"
                        + machineId + "/rotate) or revoke it (DELETE /api/devices/" + machineId + ") first");
            }
        }
        stored.invalidate(machineId);
        return new Issued(machineId, secret);
    }

    /**
     * Registers the machine if it is new and issues a fresh secret either way: for a fleet that
     * provisions itself (the simulator at each start). A revoked device stays revoked.
     */
    public Optional<Issued> provision(String machineId, String by) throws SQLException {
        checkMachineId(machineId);
        String secret = newSecret();
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("""
                     insert into devices (machine_id, secret_sha256, registered_by) values (?, ?, ?)
                     on conflict (machine_id) do update set secret_sha256 = excluded.secret_sha256, rotated_at = now()
                      where devices.revoked_at is null""")) {
            st.setString(1, machineId);
            st.setBytes(2, sha256(secret));
            st.setString(3, by);
            int changed = st.executeUpdate();
            stored.invalidate(machineId);
            return changed == 0 ? Optional.empty() : Optional.of(new Issued(machineId, secret));
        }
    }

    /** Issues a new secret for an active device; the old one stops working at once. */
    public Issued rotate(String machineId) throws SQLException {
        String secret = newSecret();
        int changed = update(machineId, "update devices set secret_sha256 = ?, rotated_at = now() where machine_id = ? and revoked_at is null",
                st -> st.setBytes(1, sha256(secret)), 2);
        if (changed == 0) {
            throw unknown(machineId);
        }
        stored.invalidate(machineId);
        revokedListeners.forEach(l -> l.accept(machineId));
        return new Issued(machineId, secret);
    }

    /** Revokes a device: its secret stops working and its open sessions are closed. */
    public Device revoke(String machineId, String by) throws SQLException {
        int changed = update(machineId, "update devices set revoked_at = coalesce(revoked_at, now()), revoked_by = coalesce(revoked_by, ?) where machine_id = ?",
                st -> st.setString(1, by), 2);
        if (changed == 0) {
            throw unknown(machineId);
        }
        stored.invalidate(machineId);
        revokedListeners.forEach(l -> l.accept(machineId));
        return find(machineId).orElseThrow(() -> unknown(machineId));
    }

    /** Called with the machine id when a device's secret stops working (revoked or rotated). */
    public void onRevoked(Consumer<String> listener) {
        revokedListeners.add(listener);
    }

    /** Whether the secret is the active secret of this machine. */
    @Override
    public boolean authenticate(String machineId, String secret) {
        if (machineId == null || secret == null || secret.isEmpty() || !Params.isMachineId(machineId)) {
            return false;
        }
        Optional<Stored> device = stored.get(machineId, this::load);
        return device.isPresent() && !device.get().revoked()
                && MessageDigest.isEqual(device.get().digest(), sha256(secret));
    }

    public List<Device> list() throws SQLException {
        return query("select * from devices order by machine_id", null);
    }

    public Optional<Device> find(String machineId) throws SQLException {
        return query("select * from devices where machine_id = ?", machineId).stream().findFirst();
    }

    /** The device's MQTT session started, on the endpoint {@code server} (host:port). */
    public void connected(String machineId, String address, String server) throws SQLException {
        update(machineId, "update devices set connected = true, session_since = now(), session_address = ?, session_server = ?, session_ended = null where machine_id = ?",
                st -> {
                    st.setString(1, address);
                    st.setString(2, server);
                }, 3);
    }

    /**
     * The endpoint {@code server} (host:port) starts: the sessions it held when its process last
     * ended without stopping (kill -9, power cut) ended then.
     */
    public void serverRestarted(String server) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(
                     "update devices set connected = false, session_since = now(), session_ended = 'server restarted' where connected and session_server = ?")) {
            st.setString(1, server);
            st.executeUpdate();
        }
    }

    /** The device's MQTT session ended: how ({@code disconnect}, {@code last will}, ...). */
    public void disconnected(String machineId, String how) throws SQLException {
        update(machineId, "update devices set connected = false, session_since = now(), session_ended = ? where machine_id = ? and connected",
                st -> st.setString(1, how), 2);
    }

    /** What the device said about itself on its status topic. */
    public void reported(String machineId, String status) throws SQLException {
        update(machineId, "update devices set reported_status = ?, reported_at = now() where machine_id = ?",
                st -> st.setString(1, status), 2);
    }

    /**
     * Route step for a message on a machine's status topic: {@code online} or {@code offline}
     * (also as JSON {@code {"status": "online"}}). Anything else is logged and ignored.
     */
    public String reportedStatus(byte[] payload, String machineId) throws SQLException {
        String text = payload == null ? "" : new String(payload, java.nio.charset.StandardCharsets.UTF_8).trim();
        if (text.startsWith("{")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"status\"\\s*:\\s*\"([A-Za-z]+)\"").matcher(text);
            text = m.find() ? m.group(1) : "";
        }
        String status = text.toLowerCase(java.util.Locale.ROOT);
        if (!status.equals("online") && !status.equals("offline")) {
            org.slf4j.LoggerFactory.getLogger(DeviceRegistry.class).warn(
                    "Machine {} said '{}' on its status topic; expected online or offline: ignored", machineId,
                    text.length() > 40 ? text.substring(0, 40) + "..." : text);
            return "ignored";
        }
        reported(machineId, status);
        return status;
    }

    /** Marks every session this instance served as ended (at stop: its clients lost their connection). */
    public void allDisconnected(List<String> machineIds, String how) throws SQLException {
        if (machineIds.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(
                     "update devices set connected = false, session_since = now(), session_ended = ? where machine_id = any(?) and connected")) {
            st.setString(1, how);
            st.setArray(2, c.createArrayOf("text", machineIds.toArray()));
            st.executeUpdate();
        }
    }

    private Optional<Stored> load(String machineId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("select secret_sha256, revoked_at is not null from devices where machine_id = ?")) {
            st.setString(1, machineId);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(new Stored(rs.getBytes(1), rs.getBoolean(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            // not cached: the next attempt asks the database again
            throw new IllegalStateException("Could not read the device " + machineId + ": " + e.getMessage(), e);
        }
    }

    private interface Binder {
        void bind(PreparedStatement st) throws SQLException;
    }

    private int update(String machineId, String sql, Binder binder, int machineIdIndex) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            binder.bind(st);
            st.setString(machineIdIndex, machineId);
            return st.executeUpdate();
        }
    }

    private List<Device> query(String sql, String machineId) throws SQLException {
        List<Device> devices = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            if (machineId != null) {
                st.setString(1, machineId);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    devices.add(new Device(rs.getString("machine_id"), time(rs, "registered_at"), rs.getString("registered_by"),
                            time(rs, "rotated_at"), time(rs, "revoked_at"), rs.getString("revoked_by"), rs.getBoolean("connected"),
                            time(rs, "session_since"), rs.getString("session_address"), rs.getString("session_ended"),
                            rs.getString("reported_status"), time(rs, "reported_at")));
                }
            }
        }
        return devices;
    }

    private static String time(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant().toString();
    }

    /** The device as the API shows it: never its secret. */
    public static Map<String, Object> describe(Device d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("machineId", d.machineId());
        boolean leftCleanly = "disconnect".equals(d.sessionEnded()) && !"offline".equals(d.reportedStatus());
        m.put("state", d.revokedAt() != null ? "revoked" : d.connected() ? "online" : d.sessionSince() == null ? "never connected"
                : leftCleanly ? "disconnected" : "offline");
        m.put("registeredAt", d.registeredAt());
        m.put("registeredBy", d.registeredBy());
        m.put("rotatedAt", d.rotatedAt());
        m.put("revokedAt", d.revokedAt());
        m.put("revokedBy", d.revokedBy());
        m.put("sessionSince", d.sessionSince());
        m.put("sessionAddress", d.sessionAddress());
        m.put("sessionEnded", d.sessionEnded());
        m.put("reportedStatus", d.reportedStatus());
        m.put("reportedAt", d.reportedAt());
        return m;
    }

    private static void checkMachineId(String machineId) {
        if (machineId == null || !Params.isMachineId(machineId)) {
            throw new BadParameterException("machineId", "'machineId' must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
    }

    static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static NotFoundException unknown(String machineId) {
        return new NotFoundException("machineId", "no active device " + machineId + " (register it with POST /api/devices)");
    }
}
