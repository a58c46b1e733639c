package io.vendstream.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The OpenAPI contract of the HTTP API ({@code openapi/vendstream-api.yaml} on the classpath):
 * served as JSON at {@code /api/openapi.json} and read at start-up to check that every operation
 * has its route ({@link ApiBindings}). ApiBindings reads the contract itself, so this bean is only
 * what the route serves.
 */
public final class ApiContract {

    static final String RESOURCE = "openapi/vendstream-api.yaml";
    private static final Set<String> VERBS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    /**
     * One operation: its HTTP method (upper case), its path, its operationId, and what serves it
     * when not a route of the {@code api-operation} template ({@code x-vendstream-served-by}, e.g.
     * {@code router} for the event stream; null for the others).
     */
    public record Operation(String verb, String path, String operationId, String servedBy) {

        public Operation(String verb, String path, String operationId) {
            this(verb, path, operationId, null);
        }
    }

    private final JsonNode document;
    /** The contract as JSON, written once: every client and Swagger UI load it whole. */
    private final byte[] json;

    public ApiContract() {
        this(RESOURCE);
    }

    ApiContract(String resource) {
        try (InputStream in = ApiContract.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the API contract " + resource + " is not on the classpath");
            }
            this.document = new ObjectMapper(new YAMLFactory()).readTree(in);
            this.json = new ObjectMapper().writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException("the API contract " + resource + " cannot be read", e);
        }
    }

    /** The whole contract. */
    public JsonNode document() {
        return document;
    }

    /** Answers with the contract as JSON; no header of the request echoes back. */
    public void serve(Message message) {
        message.removeHeaders("*");
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
    }

    /** Every operation of the contract, in the order the contract lists them. */
    public List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (VERBS.contains(op.getKey())) {
                    operations.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(),
                            op.getValue().path("operationId").asText(null), op.getValue().path("x-vendstream-served-by").asText(null)));
                }
            }
        }
        return operations;
    }
}
