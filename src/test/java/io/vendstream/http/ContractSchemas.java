package io.vendstream.http;

import java.net.URI;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The answers the contract promises, as JSON Schemas: for a request path and a status, the schema
 * of that response in {@code openapi/vendstream-api.yaml} (OpenAPI 3.1, so a schema there is JSON
 * Schema 2020-12), with formats (date-time, date, uuid) checked too.
 */
public final class ContractSchemas {

    private static final String CONTRACT = "classpath:" + ApiContract.RESOURCE;
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApiContract contract = new ApiContract();
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();
    /** operationId and status of every answer checked so far. */
    final Set<String> checked = ConcurrentHashMap.newKeySet();

    /** The operation of a request path such as {@code /api/products/top?limit=3}, if the contract has one. */
    Optional<ApiContract.Operation> operation(String pathAndQuery) {
        String path = URI.create(pathAndQuery).getPath();
        return contract.operations().stream().filter(op -> op.verb().equals("GET") && matches(op.path(), path)).findFirst();
    }

    /** A contract path with {name} parameters against a request path. */
    private static boolean matches(String template, String path) {
        return path.matches(java.util.regex.Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q"));
    }

    /** Fails unless the body is what the contract says the operation answers with this status. */
    public void assertAnswers(String pathAndQuery, int status, String body) {
        assertAnswers(pathAndQuery, status, "application/json", body);
    }

    /** The same for an answer of any media type; a body other than JSON is checked for its type only. */
    public void assertAnswers(String pathAndQuery, int status, String contentType, String body) {
        ApiContract.Operation op = operation(pathAndQuery).orElseThrow(
                () -> new AssertionError(pathAndQuery + " is not an operation of the contract"));
        String type = contentType == null ? "" : contentType.split(";")[0].trim();
        if (!type.equals("application/json")) {
            assertThat(response(op, status).path("content").has(type))
                    .as("%s answered %s as %s, which the contract does not list for %s", pathAndQuery, status, type, op.operationId())
                    .isTrue();
            checked.add(op.operationId() + " " + status);
            return;
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError(pathAndQuery + " answered " + status + " with something that is not JSON: " + body, e);
        }
        Set<ValidationMessage> errors = schema(op, status).validate(answer);
        assertThat(errors).as("%s answered %s, which the contract's %s response schema of %s does not allow: %s",
                pathAndQuery, status, status, op.operationId(), body).isEmpty();
        checked.add(op.operationId() + " " + status);
    }

    /** Fails unless the body is the 200 answer the contract gives the operation at this path template and verb. */
    public void assertMatches(String pathTemplate, String verb, JsonNode body) {
        ApiContract.Operation op = contract.operations().stream()
                .filter(o -> o.path().equals(pathTemplate) && o.verb().equalsIgnoreCase(verb)).findFirst()
                .orElseThrow(() -> new AssertionError(verb + " " + pathTemplate + " is not an operation of the contract"));
        Set<ValidationMessage> errors = schema(op, 200).validate(body);
        assertThat(errors).as("%s %s answered %s, which the contract's 200 response schema of %s does not allow",
                verb, pathTemplate, body, op.operationId()).isEmpty();
        checked.add(op.operationId() + " 200");
    }

    /** Whether the operation's 200 answer is JSON (CSV exports, for one, are not). */
    boolean answersJson(ApiContract.Operation op) {
        return !contract.document().at("/paths/" + escape(op.path()) + "/" + op.verb().toLowerCase(java.util.Locale.ROOT)
                + "/responses/200/content/application~1json").isMissingNode();
    }

    /** The 200 answer's content of the operation, by media type. */
    JsonNode content200(ApiContract.Operation op) {
        return contract.document().at("/paths/" + escape(op.path()) + "/" + op.verb().toLowerCase(java.util.Locale.ROOT)
                + "/responses/200/content");
    }

    JsonSchema schema(ApiContract.Operation op, int status) {
        return schemas.computeIfAbsent(op.operationId() + " " + status, key -> FACTORY.getSchema(
                SchemaLocation.of(CONTRACT + "#" + schemaPointer(op, status)), CONFIG));
    }

    /** The JSON pointer of the response schema, following a response that is a reference into components. */
    private String schemaPointer(ApiContract.Operation op, int status) {
        String schema = responsePointer(op, status) + "/content/" + escape(mediaType(op, status)) + "/schema";
        assertThat(contract.document().at(schema).isMissingNode()).as("schema of the %s answer of %s", status, op.operationId()).isFalse();
        return schema;
    }

    private String responsePointer(ApiContract.Operation op, int status) {
        String response = "/paths/" + escape(op.path()) + "/" + op.verb().toLowerCase(java.util.Locale.ROOT)
                + "/responses/" + status;
        JsonNode node = contract.document().at(response);
        assertThat(node.isMissingNode()).as("the contract gives %s no %s response", op.operationId(), status).isFalse();
        return node.has("$ref") ? node.get("$ref").asText().substring(1) : response;
    }

    JsonNode response(ApiContract.Operation op, int status) {
        return contract.document().at(responsePointer(op, status));
    }

    /** application/json where the response offers it, else the first media type it names. */
    String mediaType(ApiContract.Operation op, int status) {
        JsonNode content = response(op, status).path("content");
        return content.has("application/json") || !content.fieldNames().hasNext() ? "application/json" : content.fieldNames().next();
    }

    /** Every example the contract gives a response, with the pointer of its schema. */
    Map<String, JsonNode> examples() {
        Map<String, JsonNode> examples = new java.util.LinkedHashMap<>();
        for (ApiContract.Operation op : contract.operations()) {
            JsonNode responses = contract.document().at("/paths/" + escape(op.path()) + "/" + op.verb().toLowerCase(java.util.Locale.ROOT)
                    + "/responses");
            for (Iterator<String> codes = responses.fieldNames(); codes.hasNext(); ) {
                String code = codes.next();
                JsonNode response = responses.get(code);
                if (response.has("$ref")) {
                    response = contract.document().at(response.get("$ref").asText().substring(1));
                }
                JsonNode content = response.path("content");
                String type = content.has("application/json") || !content.fieldNames().hasNext() ? "application/json"
                        : content.fieldNames().next();
                JsonNode example = content.path(type).path("example");
                if (!example.isMissingNode()) {
                    examples.put(op.operationId() + " " + code, example);
                }
            }
        }
        return examples;
    }

    ApiContract contract() {
        return contract;
    }

    private static String escape(String path) {
        return path.replace("~", "~0").replace("/", "~1");
    }
}
