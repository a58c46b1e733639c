package io.vendstream.http;

import java.util.List;
import java.util.Set;

import io.vendstream.config.Settings;
import io.vertx.ext.web.handler.AuthenticationHandler;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.component.platform.http.vertx.auth.AuthenticationConfig.AuthenticationConfigEntry;
import org.apache.camel.component.platform.http.vertx.auth.AuthenticationConfig;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may reach the HTTP server, configured on Camel's platform-http-main server before it
 * starts listening. The {@link AccessGate} goes in as the server's authentication handler for
 * {@code /*} (Camel's own {@code camel.server.authentication-*} settings protect one path prefix
 * of the one port that also serves the health probes, so they would lock the probes out).
 *
 * <p>Without any user the server binds to 127.0.0.1 only, whatever {@code camel.server.host}
 * says, unless {@code vendstream.http.open-without-credentials} is true; with users it binds to
 * {@code camel.server.host}. Request bodies are bounded by {@code vendstream.http.max-body-bytes},
 * uploads by {@code vendstream.http.max-upload-bytes} (413 beyond). The outcome is published as {@code vendstream.http.access} for
 * the start-up banner.
 */
public final class HttpAccess extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(HttpAccess.class);
    static final String LOOPBACK = "127.0.0.1";

    @Override
    public void beforeStart(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        MainHttpServer server = context.hasService(MainHttpServer.class);
        if (server == null) {
            return; // camel.server.enabled = false: nothing listens
        }
        Settings s = new Settings(context);
        HttpUsers users = HttpUsers.load(s.text("vendstream.http.users-file"), List.of(
                new String[] {HttpUsers.VIEWER, s.text("vendstream.http.viewer.user"), s.text("vendstream.http.viewer.password")},
                new String[] {HttpUsers.OPERATOR, s.text("vendstream.http.operator.user"), s.text("vendstream.http.operator.password")}));
        boolean openWithoutCredentials = s.flag("vendstream.http.open-without-credentials");

        VertxPlatformHttpServerConfiguration config = server.getConfiguration();
        String access;
        if (!users.isEmpty()) {
            access = "basic authentication, " + users.summary() + ", listening on " + config.getBindHost();
        } else if (openWithoutCredentials) {
            access = "NO authentication (vendstream.http.open-without-credentials), listening on " + config.getBindHost();
            LOG.warn("No users are configured and vendstream.http.open-without-credentials is true: anyone who can reach "
                    + "{}:{} may read and change everything", config.getBindHost(), config.getBindPort());
        } else {
            config.setBindHost(LOOPBACK);
            access = "no users configured: listening on " + LOOPBACK + " only (configure users to open it, see docs/access.md)";
        }
        AccessGate.BodyLimits limits = new AccessGate.BodyLimits(s.longInteger("vendstream.http.max-body-bytes"),
                s.text("vendstream.http.upload-path"), s.longInteger("vendstream.http.max-upload-bytes"));
        config.setMaxBodySize(limits.largest());

        Set<String> open = probePaths(s);
        AuthenticationConfigEntry entry = new AuthenticationConfigEntry();
        entry.setPath("/*");
        entry.setAuthenticationProviderFactory(vertx -> users);
        // machines sign in with their own credentials (routes/devices-beans.camel.yaml, bean deviceRegistry),
        // looked up at the first request: the bean may be created after this listener ran
        DeviceCredentials devices = new DeviceCredentials() {
            private volatile Object registry;

            @Override
            public boolean authenticate(String machineId, String secret) {
                Object r = registry;
                if (r == null) {
                    r = registry = context.getRegistry().lookupByName(DeviceCredentials.BEAN);
                }
                return r instanceof DeviceCredentials d && d.authenticate(machineId, secret);
            }
        };
        AccessGate gate = new AccessGate(users, open, s.text("vendstream.http.realm"), limits, devices,
                Set.of(s.text("vendstream.devices.http.events-path")));
        entry.setAuthenticationHandlerFactory(new AuthenticationConfig.AuthenticationHandlerFactory() {
            @Override
            public <T extends io.vertx.ext.auth.authentication.AuthenticationProvider> AuthenticationHandler
                    createAuthenticationHandler(T provider) {
                return gate;
            }
        });
        config.getAuthenticationConfig().getEntries().add(entry);
        config.getAuthenticationConfig().setEnabled(true);
        context.getPropertiesComponent().addOverrideProperty("vendstream.http.access", access + "; open without credentials: " + String.join(", ", open.stream().sorted().toList()));
        LOG.info("HTTP access: {}", access);
    }

    /**
     * Whether the server may listen beyond 127.0.0.1: users are configured, or the operator said
     * it may be open without them. The machines' MQTT endpoint follows the same rule.
     */
    public static boolean mayListenBeyondLoopback(Settings s) {
        boolean users = !s.text("vendstream.http.users-file").isBlank() || !s.text("vendstream.http.viewer.user").isBlank()
                || !s.text("vendstream.http.operator.user").isBlank();
        return users || s.flag("vendstream.http.open-without-credentials");
    }

    /** Whether people sign in (users configured) while nothing is encrypted: secrets cross the network in clear. */
    public static boolean secretsInClear(Settings s) {
        boolean users = !s.text("vendstream.http.users-file").isBlank() || !s.text("vendstream.http.viewer.user").isBlank()
                || !s.text("vendstream.http.operator.user").isBlank();
        return users && !s.optional("camel.ssl.enabled").map(Boolean::parseBoolean).orElse(false);
    }

    /** Camel's health endpoint and its liveness and readiness views. */
    private static Set<String> probePaths(Settings s) {
        String health = s.text("camel.management.health-path");
        return Set.of(health, health + "/live", health + "/ready");
    }
}
