package io.vendstream.dex;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import io.vendstream.http.BadParameterException;
import io.vendstream.http.Caller;
import io.vendstream.http.NotFoundException;
import io.vendstream.http.Params;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where audit reads come in: a file dropped into the DEX directory (route import-dex-files) and
 * {@code POST /api/dex}. Each read is kept byte for byte and parsed; the same bytes twice are one
 * read. The machine is the {@code machineId} the sender names (which binds the read's serial to
 * it for later reads), else the machine the serial is bound to; a read of an unbound serial is
 * held as {@code UNKNOWN_MACHINE} until {@code POST /api/dex/reads/{id}/bind} names its machine.
 * A file that cannot be read is kept too, with its reason, line and segment.
 *
 * <p>A database that is down is not the file's fault: the SQL error propagates, the file route
 * leaves the file where it is and retries it, the API answers 503.
 */
public final class DexIntake {

    private static final Logger LOG = LoggerFactory.getLogger(DexIntake.class);
    /** The user the HTTP access gate authenticated (io.vendstream.http.AccessGate). */
    private static final String USER_HEADER = "VendstreamUser";

    private final AuditStore store;
    private final DexParser parser = DexParser.strict();
    private final ZoneId zone;
    private final int maxBytes;

    public DexIntake(DataSource dataSource, String timezone, int maxBytes) {
        this.zone = ZoneId.of(timezone);
        this.store = new AuditStore(dataSource, zone);
        this.maxBytes = maxBytes;
    }

    /** Route import-dex-files: the body is the file. Answers the outcome, which the route logs. */
    public Map<String, Object> importFile(Exchange exchange) throws SQLException {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        Optional<String> machineId = machineIdFromName(name);
        return receive(body == null ? new byte[0] : body, "file", name, machineId, "file drop");
    }

    /**
     * A read a machine published itself, on {@code vendstream/machines/{machineId}/dex} (route
     * receive-machine-messages): bound to that machine. Answers the outcome, which the route logs; a
     * read that cannot be parsed is kept as rejected, like a dropped file.
     */
    public Map<String, Object> fromMachine(byte[] body, String machineId, String source) throws SQLException {
        byte[] raw = body == null ? new byte[0] : body;
        if (raw.length > maxBytes) {
            LOG.warn("DEX read of machine {} ({}) is {} bytes, over the limit of {}: not stored", machineId, source, raw.length, maxBytes);
            return Map.of("status", "rejected", "reason", "TOO_LARGE", "machineId", machineId);
        }
        return receive(raw, "mqtt", null, Optional.of(machineId), "device " + machineId + " (" + source + ")");
    }

    /**
     * {@code POST /api/dex?machineId=}: the body is the read. Answers the read's outcome ({@code duplicate}
     * for bytes stored before); 400 naming the reason, line and segment for a file that cannot be
     * read (it is kept).
     */
    public Map<String, Object> upload(Exchange exchange) throws SQLException {
        Params params = new Params(exchange.getMessage().getHeaders(), zone);
        Optional<String> machineId = Optional.ofNullable(params.machineId());
        Optional<String> location = Optional.ofNullable(params.location());
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body == null || body.length == 0) {
            throw new BadParameterException("body", "the body must be the DEX file's content (Content-Type text/plain)");
        }
        if (body.length > maxBytes) {
            throw new BadParameterException("body", "the read is " + body.length + " bytes; the limit is " + maxBytes
                    + " bytes (vendstream.dex.max-bytes)");
        }
        Map<String, Object> outcome = receive(body, "http", null, machineId, location, Caller.name(exchange));
        if ("rejected".equals(outcome.get("status"))) {
            throw new BadParameterException("body", "the DEX read cannot be read: " + outcome.get("detail")
                    + "; it is kept as read " + outcome.get("readId"));
        }
        return outcome;
    }

    /** {@code POST /api/dex/reads/{id}/bind?machineId=}: names the machine of a held read's serial. */
    public Map<String, Object> bind(Exchange exchange) throws SQLException {
        long readId = readId(exchange.getMessage().getHeader("id"));
        Params params = new Params(exchange.getMessage().getHeaders(), zone);
        String machineId = params.machineId();
        if (machineId == null) {
            throw new BadParameterException("machineId", "'machineId' is required: 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        int processed;
        try {
            processed = store.bindHeld(readId, machineId, Optional.ofNullable(params.location()), Caller.name(exchange));
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("id", "there is no DEX read " + readId);
        } catch (IllegalStateException e) {
            throw new BadParameterException("id", e.getMessage());
        }
        LOG.info("DEX reads held for an unknown machine bound to {} by {}: {} processed", machineId, Caller.name(exchange), processed);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("readId", readId);
        answer.put("machineId", machineId);
        answer.put("processed", processed);
        return answer;
    }

    Map<String, Object> receive(byte[] raw, String source, String fileName, Optional<String> namedMachine, String by)
            throws SQLException {
        return receive(raw, source, fileName, namedMachine, Optional.empty(), by);
    }

    /**
     * Stores one read as it arrived and answers what became of it; {@code location} places a machine
     * only the audits know.
     */
    Map<String, Object> receive(byte[] raw, String source, String fileName, Optional<String> namedMachine, Optional<String> location,
                                String by) throws SQLException {
        AuditStore.Received in = new AuditStore.Received(raw, sha256(raw), source, fileName, by);
        Optional<AuditStore.Stored> known = store.find(in.sha256());
        if (known.isPresent()) {
            Map<String, Object> answer = outcome(known.get(), null);
            known.get().reason().ifPresent(reason -> answer.put("reason", reason));
            known.get().detail().ifPresent(detail -> answer.put("detail", detail));
            return answer;
        }
        DexRead read;
        try {
            read = parser.parse(raw);
        } catch (DexFormatException e) {
            LOG.warn("DEX read {} from {} rejected: {}", fileName == null ? "(upload)" : fileName, by, e.getMessage());
            return outcome(store.storeRejected(in, e), e);
        } catch (RuntimeException e) {
            // a file the parser itself fails on is the file's problem too: kept and reported, never retried forever
            DexFormatException unreadable = new DexFormatException(DexFormatException.Reason.BAD_STRUCTURE, 0, null,
                    "the parser could not read the file (" + e + ")");
            LOG.warn("DEX read {} from {} rejected: {}", fileName == null ? "(upload)" : fileName, by, unreadable.getMessage(), e);
            return outcome(store.storeRejected(in, unreadable), unreadable);
        }
        AuditStore.Stored stored = store.storeParsed(in, read, namedMachine, location);
        if (!stored.duplicate() && stored.machineId().isEmpty()) {
            LOG.warn("DEX read {} of serial {} held: no machine is bound to it; bind it with POST /api/dex/reads/{}/bind",
                    stored.readId(), read.machineSerial().orElse("(none)"), stored.readId());
        }
        Map<String, Object> answer = outcome(stored, null);
        answer.put("serial", read.machineSerial().orElse(null));
        answer.put("readAt", read.readTime().map(Object::toString).orElse(null));
        answer.put("paidVends", read.paidVends().isPresent() ? read.paidVends().getAsLong() : null);
        answer.put("paidValue", read.paidValue().orElse(null));
        answer.put("findings", read.findings().stream().map(f -> f.kind().name()).distinct().toList());
        return answer;
    }

    private static Map<String, Object> outcome(AuditStore.Stored stored, DexFormatException error) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("readId", stored.readId());
        answer.put("status", stored.status());
        answer.put("duplicate", stored.duplicate());
        answer.put("machineId", stored.machineId().orElse(null));
        if (error != null) {
            answer.put("reason", error.reason().name());
            answer.put("line", error.line());
            answer.put("segment", error.segment());
            answer.put("detail", error.getMessage());
        } else if ("unknown_machine".equals(stored.status())) {
            answer.put("reason", "UNKNOWN_MACHINE");
        }
        return answer;
    }

    /** A file named {@code <machineId>__anything.dex} is that machine's read; any other name leaves it to the serial. */
    static Optional<String> machineIdFromName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        int cut = name.indexOf("__");
        if (cut <= 0) {
            return Optional.empty();
        }
        String candidate = name.substring(0, cut);
        return Params.isMachineId(candidate) ? Optional.of(candidate) : Optional.empty();
    }

    private static long readId(Object raw) {
        try {
            return Long.parseLong(String.valueOf(raw).trim());
        } catch (NumberFormatException e) {
            throw new BadParameterException("id", "the read id must be a whole number");
        }
    }

    private static byte[] sha256(byte[] raw) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(raw);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
