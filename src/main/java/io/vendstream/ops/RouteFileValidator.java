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
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
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
            return List.of("not valid YAML: " + e.getOriginalMessage() + location(e));
        } catch (IOException e) {
            return List.of("cannot be read: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return List.of("the file is empty");
        }
        Set<ValidationMessage> messages = schema().validate(tree);
        return messages.stream()
                .sorted(Comparator.comparing(m -> m.getInstanceLocation().toString()))
                .limit(MAX_PROBLEMS)
                .map(ValidationMessage::getMessage)
                .toList();
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private synchronized JsonSchema schema() {
        if (schema == null) {
            try (InputStream in = RouteFileValidator.class.getResourceAsStream(SCHEMA)) {
                if (in == null) {
                    throw new IllegalStateException(SCHEMA + " is not on the classpath (camel-yaml-dsl)");
                }
                schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(in);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + SCHEMA, e);
            }
        }
        return schema;
    }
}
