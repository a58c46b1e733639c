package io.vendstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vendstream.ops.RouteFileValidator;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.model.ModelCamelContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The route files in {@code routes/} are what users edit: they must stay valid against Camel's
 * YAML DSL schema (the one editors such as VS Code and Kaoto use), checked by the validator that
 * development mode applies before a reload ({@link RouteFileValidator}), and all of them must load
 * and start in the real application.
 */
class RouteFilesTest {

    private static final Path ROUTES = Path.of(System.getProperty("vendstream.project.dir", "."), "routes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    // the same check development mode makes before it reloads a saved file
    private static final RouteFileValidator VALIDATOR = new RouteFileValidator();
    private static final Set<String> ROLES = Set.of("simulator", "ingest", "api", "alerts");

    @Test
    void should_match_the_camel_yaml_dsl_schema_in_every_route_file() {
        List<Path> files = routeFiles();
        assertThat(files).as("route files in %s", ROUTES).isNotEmpty();
        for (Path file : files) {
            assertThat(VALIDATOR.problems(bytes(file))).as("%s against camelYamlDsl.json", file.getFileName()).isEmpty();
        }
    }

    @Test
    void should_reject_a_route_whose_step_key_is_misspelled() {
        String route = """
                - route:
                    id: misspelled-route
                    from:
                      uri: timer:tick
                      stepz:
                        - log:
                            message: hello
                """;
        assertThat(VALIDATOR.problems(route.getBytes(StandardCharsets.UTF_8))).anySatisfy(p -> assertThat(p).contains("'stepz' is not defined"));
    }

    @Test
    void should_give_every_route_a_unique_kebab_case_id_and_a_one_line_description() {
        Map<String, Path> seen = new LinkedHashMap<>();
        for (Path file : routeFiles()) {
            for (JsonNode route : routes(file)) {
                String id = route.path("id").asText("");
                assertThat(id).as("route id in %s", file.getFileName()).matches("[a-z][a-z0-9]*(-[a-z0-9]+)+");
                assertThat(seen.put(id, file)).as("route id %s defined twice", id).isNull();
                assertThat(route.path("description").asText("")).as("description of %s", id).isNotBlank().doesNotContain("\n");
                assertThat(route.path("from").path("uri").asText("")).as("from.uri of %s", id).isNotBlank();
            }
        }
        assertThat(seen).isNotEmpty();
    }

    @Test
    void should_load_every_route_and_start_it_when_its_role_is_enabled() throws Exception {
        Namespace ns = TestInfrastructure.get().namespace("all_routes");
        Properties props = ns.appProperties();
        props.setProperty("vendstream.simulator.enabled", "true");
        props.setProperty("vendstream.ingest.enabled", "true");
        props.setProperty("vendstream.api.enabled", "true");
        props.setProperty("vendstream.alerts.enabled", "true");
        try (VendstreamApp app = VendstreamApp.start(props)) {
            CamelContext context = app.context();
            Map<String, JsonNode> declared = declaredRoutes();
            assertThat(((ModelCamelContext) context).getRouteDefinitions()).extracting(r -> r.getRouteId())
                    .containsAll(declared.keySet());
            for (Map.Entry<String, JsonNode> route : declared.entrySet()) {
                String autoStartup = context.resolvePropertyPlaceholders(route.getValue().path("autoStartup").asText("true"));
                if (Boolean.parseBoolean(autoStartup)) {
                    await("route " + route.getKey() + " started").atMost(Duration.ofSeconds(30))
                            .until(() -> context.getRouteController().getRouteStatus(route.getKey()) == ServiceStatus.Started);
                }
            }
            await("health UP").atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> health(app).contains("\"UP\""));
        }
    }

    @Test
    void should_load_but_not_start_the_routes_of_disabled_roles() {
        Namespace ns = TestInfrastructure.get().namespace("roles_off");
        Properties props = ns.appProperties();
        props.setProperty("vendstream.simulator.enabled", "false");
        props.setProperty("vendstream.ingest.enabled", "false");
        props.setProperty("vendstream.api.enabled", "false");
        props.setProperty("vendstream.alerts.enabled", "false");
        try (VendstreamApp app = VendstreamApp.start(props)) {
            CamelContext context = app.context();
            Map<String, JsonNode> declared = declaredRoutes();
            List<String> roleRoutes = new ArrayList<>();
            declared.forEach((id, route) -> {
                if (ROLES.contains(route.path("group").asText(""))) {
                    roleRoutes.add(id);
                }
            });
            assertThat(roleRoutes).as("routes switched by a role").isNotEmpty();
            for (String id : roleRoutes) {
                assertThat(((ModelCamelContext) context).getRouteDefinition(id)).as("route %s is loaded", id).isNotNull();
                assertThat(context.getRouteController().getRouteStatus(id)).as("status of %s", id).isNotEqualTo(ServiceStatus.Started);
            }
        }
    }

    private static String health(VendstreamApp app) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(app.baseUrl() + "/observe/health")).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    private static Map<String, JsonNode> declaredRoutes() {
        Map<String, JsonNode> declared = new LinkedHashMap<>();
        for (Path file : routeFiles()) {
            for (JsonNode route : routes(file)) {
                declared.put(route.path("id").asText(), route);
            }
        }
        return declared;
    }

    /** The routes a file declares: its {@code route}s, and its {@code templatedRoute}s as the template makes them. */
    private static List<JsonNode> routes(Path file) {
        List<JsonNode> routes = new ArrayList<>();
        for (JsonNode element : read(file)) {
            if (element.has("route")) {
                routes.add(element.get("route"));
            } else if (element.has("templatedRoute")) {
                JsonNode templated = element.get("templatedRoute");
                String ref = templated.path("routeTemplateRef").asText();
                JsonNode template = routeTemplates().get(ref);
                assertThat(template).as("route template %s used in %s", ref, file.getFileName()).isNotNull();
                ObjectNode route = template.path("route").deepCopy();
                route.put("id", templated.path("routeId").asText(""));
                routes.add(route);
            }
        }
        return routes;
    }

    private static Map<String, JsonNode> routeTemplates() {
        Map<String, JsonNode> templates = new LinkedHashMap<>();
        for (Path file : routeFiles()) {
            for (JsonNode element : read(file)) {
                if (element.has("routeTemplate")) {
                    templates.put(element.get("routeTemplate").path("id").asText(), element.get("routeTemplate"));
                }
            }
        }
        return templates;
    }

    private static List<Path> routeFiles() {
        try (Stream<Path> files = Files.list(ROUTES)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".camel.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }
}
