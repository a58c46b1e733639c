package io.vendstream.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** The route ids declared in the project's routes/*.camel.yaml ({@code route} and {@code templatedRoute}), read the way a user reads them. */
final class RouteIds {

    private RouteIds() {
    }

    static Path routesDirectory() {
        return Path.of(System.getProperty("vendstream.project.dir", ".")).resolve("routes").toAbsolutePath();
    }

    static List<String> declared() {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<String> ids = new ArrayList<>();
        try (Stream<Path> files = Files.list(routesDirectory())) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".camel.yaml")).sorted().toList()) {
                JsonNode root = yaml.readTree(file.toFile());
                if (root != null && root.isArray()) {
                    for (JsonNode item : root) {
                        JsonNode id = item.has("templatedRoute") ? item.path("templatedRoute").path("routeId")
                                : item.path("route").path("id");
                        if (id.isTextual()) {
                            ids.add(id.asText());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ids;
    }
}
