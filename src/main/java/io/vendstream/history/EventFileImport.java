package io.vendstream.history;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vendstream.http.BadParameterException;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

/**
 * The steps of routes/import-event-files.camel.yaml: turns the lines of a dropped JSONL or CSV file
 * into records for the events topic, keeps the counts of each import for its report and for
 * {@code GET /api/imports}, and accepts uploads ({@code POST /api/imports}) into the directory.
 *
 * <p>A JSONL line is published byte for byte: it is an event, and the ingest route judges it. A CSV
 * row is turned into the event its header names; a row that cannot be (wrong number of cells, an
 * unterminated quote, a number that is not one) is published as its raw bytes, so the dead letter
 * keeps it as it was. A CSV row without an eventId gets a name-based UUID of its line number and
 * its text, so the same file dropped again produces the same ids and stores nothing twice.
 */
public final class EventFileImport {

    /** Exchange property holding the import in progress. */
    public static final String RUN = "vendstreamImport";
    private static final String BATCH_SIZE = "vendstreamImportBatchSize";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");
    private static final Pattern DECIMAL = Pattern.compile("-?\\d{1,18}(\\.\\d+)?");
    private static final Set<String> INTEGER_FIELDS = Set.of("quantity", "stockAfter");
    private static final Set<String> DECIMAL_FIELDS = Set.of("unitPrice");
    // a header must name these: it is what tells a header from a first data row
    private static final Set<String> HEADER_REQUIRED = Set.of("type", "machineId");
    private static final Pattern UPLOAD_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}\\.(jsonl|csv)");
    private static final int REPORTS_SHOWN = 20;
    // the events topic takes records up to 16 MiB; a longer line could never be published, and retrying
    // it would hold the import up for ever, so the file fails instead (a line is an event of at most 64 KiB)
    static final int MAX_LINE_BYTES = 8 * 1024 * 1024;

    private final Path directory;
    private final long maxUploadBytes;
    private final Map<String, Run> inProgress = new ConcurrentHashMap<>();

    public EventFileImport(String directory, long maxUploadBytes) {
        this.directory = Path.of(directory).toAbsolutePath();
        this.maxUploadBytes = maxUploadBytes;
    }

    /** One file being imported: its counts, and for CSV its header. */
    public static final class Run {
        final String file;
        final boolean csv;
        final Instant startedAt = Instant.now();
        final AtomicLong linesRead = new AtomicLong();
        final AtomicLong blankLines = new AtomicLong();
        final AtomicLong published = new AtomicLong();
        final AtomicLong rawRows = new AtomicLong();
        volatile String[] header;
        boolean first = true;

        Run(String file) {
            this.file = file;
            this.csv = file.toLowerCase(Locale.ROOT).endsWith(".csv");
        }

        Map<String, Object> progress() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("file", file);
            p.put("format", csv ? "csv" : "jsonl");
            p.put("startedAt", startedAt.toString());
            p.put("linesRead", linesRead.get());
            p.put("recordsPublished", published.get());
            return p;
        }
    }

    /** The file is about to be read: registers it as in progress (the body, the file, stays as it is). */
    public void begin(Exchange exchange) {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        Run run = new Run(name);
        inProgress.put(name, run);
        exchange.setProperty(RUN, run);
    }

    /**
     * The records of one group of lines (the split hands over up to vendstream.import.batch-lines
     * lines at once), each keyed by its machineId, ready for the Kafka producer.
     */
    public List<Message> records(Exchange exchange) {
        Run run = exchange.getProperty(RUN, Run.class);
        String group = exchange.getMessage().getBody(String.class);
        List<Message> records = new ArrayList<>();
        if (group == null) {
            return records;
        }
        for (String line : group.split("\n", -1)) {
            long lineNumber = run.linesRead.incrementAndGet();
            if (run.first) {
                run.first = false;
                if (!line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);
                }
            }
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isBlank()) {
                run.blankLines.incrementAndGet();
                continue;
            }
            if (line.length() > MAX_LINE_BYTES / 4 && line.getBytes(StandardCharsets.UTF_8).length > MAX_LINE_BYTES) {
                throw new ImportFileException("line " + lineNumber + " of " + run.file + " is longer than " + MAX_LINE_BYTES
                        + " bytes: no event is that long, the file is not JSONL or CSV");
            }
            if (run.csv && run.header == null) {
                run.header = header(run.file, line);
                continue;
            }
            records.add(run.csv ? csvRecord(exchange, run, lineNumber, line) : jsonlRecord(exchange, line));
        }
        exchange.setProperty(BATCH_SIZE, records.size());
        return records;
    }

    /** The broker acknowledged every record of a group. */
    public void acknowledged(Exchange exchange) {
        Run run = exchange.getProperty(RUN, Run.class);
        run.published.addAndGet(exchange.getProperty(BATCH_SIZE, 0, Integer.class));
    }

    /** The report written next to the file in done/. */
    public Map<String, Object> finish(Exchange exchange) {
        Run run = exchange.getProperty(RUN, Run.class);
        inProgress.remove(run.file);
        if (run.csv && run.header == null) {
            throw new ImportFileException("the file has no header row naming contract fields");
        }
        Instant finishedAt = Instant.now();
        double seconds = Duration.between(run.startedAt, finishedAt).toMillis() / 1000.0;
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("file", run.file);
        report.put("status", "done");
        report.put("format", run.csv ? "csv" : "jsonl");
        report.put("linesRead", run.linesRead.get());
        report.put("blankLines", run.blankLines.get());
        report.put("recordsPublished", run.published.get());
        if (run.csv) {
            report.put("rowsPublishedRaw", run.rawRows.get());
        }
        report.put("startedAt", run.startedAt.toString());
        report.put("finishedAt", finishedAt.toString());
        report.put("seconds", seconds);
        return report;
    }

    /** The report written next to a file moved to failed/: why it could not be imported. */
    public Map<String, Object> failed(Exchange exchange) {
        Run run = exchange.getProperty(RUN, Run.class);
        String file = run != null ? run.file : exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        if (run != null) {
            inProgress.remove(run.file);
        }
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Throwable reason = cause;
        while (reason != null && !(reason instanceof ImportFileException) && reason.getCause() != null) {
            reason = reason.getCause();
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("file", file);
        report.put("status", "failed");
        report.put("reason", reason == null ? "unknown" : reason.getMessage());
        if (run != null) {
            report.put("linesRead", run.linesRead.get());
            report.put("recordsPublished", run.published.get());
            report.put("startedAt", run.startedAt.toString());
        }
        report.put("finishedAt", Instant.now().toString());
        return report;
    }

    // ---------------------------------------------------------------------------- API

    /** {@code GET /api/imports}: the imports in progress on this instance and the latest reports. */
    public Map<String, Object> imports() throws IOException {
        List<Map<String, Object>> reports = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (String sub : List.of("done", "failed")) {
            Path dir = directory.resolve(sub);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> list = Files.list(dir)) {
                    list.filter(p -> p.getFileName().toString().endsWith(".report.json")).forEach(files::add);
                }
            }
        }
        files.sort(Comparator.comparing(EventFileImport::modified).reversed());
        for (Path file : files.subList(0, Math.min(REPORTS_SHOWN, files.size()))) {
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> report = JSON.readValue(file.toFile(), Map.class);
                reports.add(report);
            } catch (IOException e) {
                // a report being written right now; it shows on the next poll
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("directory", directory.toString());
        answer.put("inProgress", inProgress.values().stream().map(Run::progress).toList());
        answer.put("reports", reports);
        return answer;
    }

    /** {@code POST /api/imports?name=}: the body is the file; it is written whole, then appears in the directory. */
    public Map<String, Object> upload(Exchange exchange) throws IOException {
        Object rawName = exchange.getMessage().getHeader("name");
        String name = rawName == null ? null : rawName.toString().trim();
        if (name == null || !UPLOAD_NAME.matcher(name).matches()) {
            throw new BadParameterException("name", "'name' must be a file name ending in .jsonl or .csv "
                    + "(1-100 characters of A-Z a-z 0-9 . _ -)");
        }
        String contentType = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            // the HTTP server reads such a body as form fields, not as a file
            throw new BadParameterException("body", "send the file with Content-Type text/csv, application/x-ndjson "
                    + "or application/octet-stream, not as a form");
        }
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body == null || body.length == 0) {
            throw new BadParameterException("body", "the body must be the file's content");
        }
        if (body.length > maxUploadBytes) {
            throw new BadParameterException("body", "the file is " + body.length + " bytes; the limit is " + maxUploadBytes
                    + " bytes (drop larger files into the import directory)");
        }
        Path target = directory.resolve(name);
        if (Files.exists(target) || inProgress.containsKey(name)) {
            throw new BadParameterException("name", "a file named " + name + " is already waiting or being imported");
        }
        Files.createDirectories(directory);
        // a hidden name while writing: the import route skips files starting with a dot
        Path partial = directory.resolve("." + name + "." + UUID.randomUUID() + ".upload");
        try {
            Files.write(partial, body);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("file", name);
        answer.put("bytes", body.length);
        answer.put("status", "queued");
        return answer;
    }

    // ---------------------------------------------------------------------------- records

    private static Message jsonlRecord(Exchange exchange, String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        String machineId = null;
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node != null && node.path("machineId").isTextual()) {
                machineId = node.get("machineId").asText();
            }
        } catch (IOException e) {
            // not JSON: published as it is, the ingest route rejects it with its reason
        }
        return message(exchange, machineId, bytes);
    }

    private Message csvRecord(Exchange exchange, Run run, long lineNumber, String line) {
        String[] header = run.header;
        List<String> cells = CsvLine.parse(line);
        if (cells == null || cells.size() != header.length) {
            run.rawRows.incrementAndGet();
            return message(exchange, null, line.getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode event = JSON.createObjectNode();
        for (int i = 0; i < header.length; i++) {
            String field = header[i];
            String cell = cells.get(i);
            if (field == null || cell.isEmpty()) {
                continue;
            }
            if (INTEGER_FIELDS.contains(field)) {
                if (!INTEGER.matcher(cell).matches()) {
                    run.rawRows.incrementAndGet();
                    return message(exchange, null, line.getBytes(StandardCharsets.UTF_8));
                }
                event.put(field, Long.parseLong(cell));
            } else if (DECIMAL_FIELDS.contains(field)) {
                if (!DECIMAL.matcher(cell).matches()) {
                    run.rawRows.incrementAndGet();
                    return message(exchange, null, line.getBytes(StandardCharsets.UTF_8));
                }
                event.put(field, new BigDecimal(cell));
            } else {
                event.put(field, cell);
            }
        }
        if (!event.hasNonNull("eventId")) {
            // deterministic: the same line of the same text always gets the same id
            event.put("eventId", UUID.nameUUIDFromBytes(("vendstream-import\n" + lineNumber + "\n" + line)
                    .getBytes(StandardCharsets.UTF_8)).toString());
        }
        String machineId = event.path("machineId").isTextual() ? event.get("machineId").asText() : null;
        try {
            return message(exchange, machineId, JSON.writeValueAsBytes(event));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String[] header(String file, String line) {
        List<String> cells = CsvLine.parse(line);
        if (cells == null || !cells.containsAll(HEADER_REQUIRED)) {
            throw new ImportFileException("the first line of " + file + " is not a header row naming contract fields "
                    + "(it must name at least " + String.join(", ", HEADER_REQUIRED) + ")");
        }
        String[] header = new String[cells.size()];
        for (int i = 0; i < header.length; i++) {
            String name = cells.get(i).trim();
            // columns the contract does not know are ignored, like unknown JSON fields
            header[i] = CsvLine.CONTRACT_FIELDS.contains(name) ? name : null;
        }
        return header;
    }

    private static Message message(Exchange exchange, String machineId, byte[] value) {
        Message message = new DefaultMessage(exchange.getContext());
        message.setBody(value);
        if (machineId != null) {
            message.setHeader(KafkaConstants.KEY, machineId.getBytes(StandardCharsets.UTF_8));
        }
        return message;
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
