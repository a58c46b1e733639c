package io.vendstream.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code docs/api-examples.md}: answers recorded from the running application, written by
 * DashboardBrowserTest (with its demo fleet) when run with {@code -Dvendstream.docs.update=true},
 * and read back by ApiContractTest, which fails when they no longer match the contract.
 */
final class ApiExamples {

    static final Path FILE = Path.of(System.getProperty("vendstream.project.dir", "."), "docs", "api-examples.md");
    static final String REGENERATE = "./mvnw -B -o test -Dtest=DashboardBrowserTest -Dvendstream.docs.update=true";
    private static final int SHOWN = 2;
    // money stays as the API writes it (5390000.00, not 5.39E+6)
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN).configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    private static final ObjectWriter PRETTY = JSON.writer(new DefaultPrettyPrinter().withSeparators(
            Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)));
    private static final Pattern EXAMPLE = Pattern.compile(
            "^### `GET ([^`]+)` → (\\d{3})[^\\n]*\\n+```json\\n(.*?)\\n```", Pattern.MULTILINE | Pattern.DOTALL);

    /** One answer: the request, its status and its body (long lists already cut). */
    record Answer(String pathAndQuery, int status, JsonNode body) {
    }

    private ApiExamples() {
    }

    /** An answer's body as the examples keep it. */
    static JsonNode parse(String body) throws JsonProcessingException {
        return shortened(JSON.readTree(body));
    }

    /** A copy whose lists longer than a few items keep only their first ones, so the page stays readable. */
    static JsonNode shortened(JsonNode node) {
        if (node.isArray()) {
            ArrayNode copy = JSON.createArrayNode();
            for (int i = 0; i < node.size() && (node.size() <= SHOWN + 1 || i < SHOWN); i++) {
                copy.add(shortened(node.get(i)));
            }
            return copy;
        }
        if (node.isObject()) {
            ObjectNode copy = JSON.createObjectNode();
            node.fields().forEachRemaining(f -> copy.set(f.getKey(), shortened(f.getValue())));
            return copy;
        }
        return node;
    }

    static String render(ApiContract contract, List<Answer> answers) {
        StringBuilder md = new StringBuilder();
        md.append("<!-- Generated from the running application by DashboardBrowserTest; do not edit by hand.\n")
                .append("     Regenerate: ").append(REGENERATE).append(" -->\n")
                .append("# API example answers\n\n")
                .append("Recorded from the running application while it serves the demo fleet of `DashboardBrowserTest` (ten\n")
                .append("machines, four weeks of rollups, sales arriving); lists longer than ").append(SHOWN + 1)
                .append(" items are cut to their first ").append(SHOWN).append(".\n")
                .append("What each field means is in the contract ([`vendstream-api.yaml`](../src/main/resources/openapi/vendstream-api.yaml),\n")
                .append("or `/api/docs` in the running application); [api.md](api.md) explains the conventions.\n\n")
                .append("## Operations\n\n| path | operationId (= route id) | what it answers |\n|---|---|---|\n");
        for (ApiContract.Operation op : contract.operations()) {
            String summary = contract.document().at("/paths/" + op.path().replace("~", "~0").replace("/", "~1") + "/"
                    + op.verb().toLowerCase(java.util.Locale.ROOT) + "/summary").asText("");
            md.append("| `").append(op.verb()).append(' ').append(op.path()).append("` | `").append(op.operationId())
                    .append("` | ").append(summary).append(" |\n");
        }
        md.append("\n## Answers\n");
        for (Answer answer : answers) {
            md.append("\n### `GET ").append(answer.pathAndQuery()).append("` → ").append(answer.status()).append("\n\n```json\n")
                    .append(pretty(answer.body())).append("\n```\n");
        }
        return md.toString();
    }

    static void write(ApiContract contract, List<Answer> answers) {
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, render(contract, answers));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Answer> read() {
        String md;
        try {
            md = Files.readString(FILE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FILE + "; regenerate it with " + REGENERATE, e);
        }
        List<Answer> answers = new ArrayList<>();
        Matcher m = EXAMPLE.matcher(md);
        while (m.find()) {
            try {
                answers.add(new Answer(m.group(1), Integer.parseInt(m.group(2)), JSON.readTree(m.group(3))));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("the example of " + m.group(1) + " in " + FILE + " is not JSON", e);
            }
        }
        return answers;
    }

    private static String pretty(JsonNode node) {
        try {
            return PRETTY.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
