package io.vendstream.ops;

import java.io.IOException;
import java.io.InputStream;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * Checks a route file before it replaces running routes: it must be YAML, and it must follow
 * the YAML DSL's JSON Schema shipped in camel-yaml-dsl (the one editors validate against), so a
 * typo in a key is caught here rather than after the old routes have been removed.
 */
public final class RouteFileValidator {

    private static final String SCHEMA = "/schema/camelYamlDsl.json";
    private static final int MAX_PROBLEMS = 5;

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    private JsonSchema schema;

    /** @return the problems found, empty when the file can be applied */
    public List<String> problems(byte[] content) {
        JsonNode tree;
        try {
            tree = yaml.readTree(content);
        } catch (JsonProcessingException e) {
            return List.of("not valid YAML: " + yamlProblem(e));
        } catch (IOException e) {
            return List.of("cannot be read: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return List.of("the file is empty");
        }
        Set<ValidationMessage> messages = schema().validate(tree);
        return messages.stream()
                .filter(m -> !isPlaceholder(m))
                .sorted(Comparator.comparing(m -> m.getInstanceLocation().toString()))
                .limit(MAX_PROBLEMS)
                .map(ValidationMessage::getMessage)
                .toList();
    }

    /** "{{key}}" is resolved when the route is created, so it may stand where the schema wants a boolean or enum. */
    private static boolean isPlaceholder(ValidationMessage m) {
        JsonNode value = m.getInstanceNode();
        return ("type".equals(m.getType()) || "enum".equals(m.getType()))
                && value != null && value.isTextual() && value.asText().contains("{{");
    }

    /** Loads the schema ahead of the first save (it is large: a few seconds on a busy machine). */
    public void preload() {
        schema();
    }

    /** SnakeYAML's own account (what it expected, line and column), on one line, without Jackson's source dump. */
    private static String yamlProblem(JsonProcessingException e) {
        String message = e.getMessage();
        int source = message.indexOf(" at [Source:");
        if (source > 0) {
            message = message.substring(0, source);
        }
        return message.replaceAll("\\s+", " ").trim();
    }

    private synchronized JsonSchema schema() {
        if (schema == null) {
            try (InputStream in = RouteFileValidator.class.getResourceAsStream(SCHEMA)) {
                if (in == null) {
                    throw new IllegalStateException(SCHEMA + " is not on the classpath (camel-yaml-dsl)");
                }
                // the YAML DSL schema annotates with "deprecated", which draft 4 does not know
                JsonMetaSchema meta = JsonMetaSchema.builder(JsonMetaSchema.getV4())
                        .keyword(new NonValidationKeyword("deprecated"))
                        .build();
                schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4, b -> b.metaSchema(meta)).getSchema(in);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + SCHEMA, e);
            }
        }
        return schema;
    }
}
