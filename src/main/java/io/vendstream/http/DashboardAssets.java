package io.vendstream.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.Message;

/**
 * Serves the dashboard's own files (and Swagger UI's) and nothing else: a fixed list of names mapped to classpath
 * resources. Nothing a request says is ever turned into a path, so neither the working directory
 * nor the rest of the classpath (application.properties, migrations) can be reached.
 */
public final class DashboardAssets {

    private record Asset(String resource, String contentType, String cacheControl) {
    }

    // the page must pick up a new version at once; the vendored library is immutable per version
    private static final String REVALIDATE = "no-cache";
    private static final String IMMUTABLE = "public, max-age=86400";

    // Map.ofEntries: more assets than Map.of takes pairs
    private static final Map<String, Asset> ASSETS = Map.ofEntries(
            Map.entry("index.html", new Asset("dashboard/index.html", "text/html; charset=utf-8", REVALIDATE)),
            Map.entry("dashboard.js", new Asset("dashboard/dashboard.js", "text/javascript; charset=utf-8", REVALIDATE)),
            Map.entry("dashboard.css", new Asset("dashboard/dashboard.css", "text/css; charset=utf-8", REVALIDATE)),
            Map.entry("favicon.svg", new Asset("dashboard/favicon.svg", "image/svg+xml", REVALIDATE)),
            // the restock crew's phone view (docs/restock.md)
            Map.entry("restock.html", new Asset("dashboard/restock.html", "text/html; charset=utf-8", REVALIDATE)),
            Map.entry("restock.js", new Asset("dashboard/restock.js", "text/javascript; charset=utf-8", REVALIDATE)),
            Map.entry("restock.css", new Asset("dashboard/restock.css", "text/css; charset=utf-8", REVALIDATE)),
            // the Chart.js webjar, at the version the pom names (chartjs.version)
            Map.entry("chart.umd.js", new Asset(webjar("org.webjars.npm", "chart.js") + "/dist/chart.umd.min.js",
                    "text/javascript; charset=utf-8", IMMUTABLE)),
            // Swagger UI at /api/docs over the contract; the swagger-ui webjar (pom: swagger-ui.version)
            Map.entry("api-docs.html", new Asset("dashboard/api-docs.html", "text/html; charset=utf-8", REVALIDATE)),
            Map.entry("api-docs.js", new Asset("dashboard/api-docs.js", "text/javascript; charset=utf-8", REVALIDATE)),
            Map.entry("swagger-ui.css", new Asset(webjar("org.webjars", "swagger-ui") + "/swagger-ui.css",
                    "text/css; charset=utf-8", IMMUTABLE)),
            Map.entry("swagger-ui-bundle.js", new Asset(webjar("org.webjars", "swagger-ui") + "/swagger-ui-bundle.js",
                    "text/javascript; charset=utf-8", IMMUTABLE)));

    /**
     * Where a webjar keeps its files, at the version on the classpath: the pom is the one place that
     * names the version, and the jar says which it is in its own {@code pom.properties}.
     */
    static String webjar(String groupId, String artifactId) {
        String properties = "META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        try (InputStream in = DashboardAssets.class.getClassLoader().getResourceAsStream(properties)) {
            if (in == null) {
                throw new IllegalStateException("the webjar " + groupId + ":" + artifactId + " is not on the classpath");
            }
            java.util.Properties pom = new java.util.Properties();
            pom.load(in);
            return "META-INF/resources/webjars/" + artifactId + "/" + pom.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Puts the named asset in the message body, or answers 404 when the name is not one of ours. */
    public void serve(@Header("name") String name, Message message) {
        Asset asset = name == null ? null : ASSETS.get(name);
        byte[] bytes = asset == null ? null : read(asset.resource());
        // the request's headers (and the path parameter) must not echo back in the response
        message.removeHeaders("*");
        if (bytes == null) {
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            message.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
            message.setBody("Not found");
            return;
        }
        message.setHeader(Exchange.CONTENT_TYPE, asset.contentType());
        message.setHeader("Cache-Control", asset.cacheControl());
        message.setHeader("X-Content-Type-Options", "nosniff");
        message.setBody(bytes);
    }

    private static byte[] read(String resource) {
        try (InputStream in = DashboardAssets.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
