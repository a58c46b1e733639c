package io.vendstream.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Runs the benchmark scenarios in order (ingest against its best hand-written equivalent and a
 * minimal pipeline, growth, memory, latency, machines over MQTT, API)
 * against one broker and one database, then prints a table and writes every figure, the machine,
 * the versions and the parameters to {@code target/bench/benchmark-<run>.json}.
 */
final class Benchmark {

    /** The figures of one run, and the ingest outcome for correctness assertions. */
    record Run(Map<String, Object> report, IngestScenario.Outcome ingest, Path json) {
    }

    private Benchmark() {
    }

    static Run run(BenchParameters p) throws Exception {
        String runId = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        BenchInfra infra = BenchInfra.fromSystemProperties();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("run", runId);
        report.put("startedAt", Instant.now().toString());
        report.put("machine", Machine.describe());
        report.put("versions", versions(infra));
        report.put("infrastructure", infra.description());
        report.put("parameters", p.toMap());
        Map<String, Object> load = new LinkedHashMap<>();
        load.put("atStart", Machine.loadAverage());
        report.put("loadAverage", load);

        IngestScenario.Outcome ingest = null;
        if (p.runs("ingest")) {
            ingest = new IngestScenario(infra, p).run(runId);
            report.put("ingest", ingest.figures());
        }
        if (p.runs("growth")) {
            report.put("growth", new GrowthScenario(infra, p).run(runId, ingest));
        }
        if (p.runs("memory")) {
            report.put("memory", new MemoryScenario(p).run(runId));
        }
        if (p.runs("latency")) {
            report.put("latency", new LatencyScenario(infra, p).run(runId));
        }
        if (p.runs("producers")) {
            report.put("manyProducers", LatencyScenario.manyProducers(infra, p, runId));
        }
        if (p.runs("mqtt")) {
            report.put("mqtt", new MqttScenario(infra, p, MqttScenario.Sizes.fromSystemProperties(p.events() < 100_000)).run(runId, ingest));
        }
        if (p.runs("lowrate")) {
            report.put("lowRateLatency", LatencyScenario.lowRates(infra, p, runId));
        }
        if (p.runs("api")) {
            report.put("api", new ApiScenario(infra, p).run(runId));
        }
        load.put("atEnd", Machine.loadAverage());
        report.put("finishedAt", Instant.now().toString());

        Path dir = Path.of(System.getProperty("vendstream.project.dir", "."), "target", "bench");
        Files.createDirectories(dir);
        Path json = dir.resolve("benchmark-" + runId + ".json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
        System.out.println(BenchTable.render(report));
        System.out.println("Figures: " + json.toAbsolutePath());
        return new Run(report, ingest, json);
    }

    private static Map<String, Object> versions(BenchInfra infra) throws Exception {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("java", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        v.put("camel", new org.apache.camel.impl.DefaultCamelContext(false).getVersion());
        v.put("kafka", org.apache.kafka.common.utils.AppInfoParser.getVersion());
        try (Connection c = infra.connect("public"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("show server_version")) {
            rs.next();
            v.put("postgresql", rs.getString(1));
        }
        v.put("commit", Machine.gitCommit());
        return v;
    }
}
