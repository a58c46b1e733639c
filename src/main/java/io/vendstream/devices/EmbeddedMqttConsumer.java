package io.vendstream.devices;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.JksOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import io.vendstream.config.Settings;
import io.vendstream.http.HttpAccess;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vendstream's own MQTT endpoint (MQTT 3.1.1 and 5, on Vert.x MQTT): every machine signs in as
 * itself (user name = machine id, password = its secret, {@link DeviceRegistry}) and may publish
 * and subscribe only within {@code vendstream/machines/{its id}/}. Each PUBLISH becomes one
 * exchange of the route; a QoS 1 message is acknowledged (PUBACK, in the order received) only when
 * the route has completed it, that is after Kafka acknowledged its records. When the route fails
 * (Kafka unreachable), the connection is closed unacknowledged, and a device that keeps each QoS 1
 * message until its PUBACK sends it again when it reconnects; the eventIds make the resend
 * harmless. Sessions are not kept between connections (the CONNACK says session present = false).
 *
 * <p>Threads: everything about one connection runs on its Vert.x event loop; the route runs on a
 * pool of its own ({@link MqttSettings#getRouteThreads()}), each machine's messages one after
 * another in the order they came (its connect and disconnect records too), so a Kafka send that
 * blocks or a database write never stalls the network. Every {@code vendstream.devices.cache-millis}
 * the open sessions are checked against the registry: a machine revoked or rotated on another
 * instance is disconnected here too.
 *
 * <p>Bounds: a message larger than {@link MqttSettings#getMaxMessageBytes()} ends the connection
 * (MQTT 5 clients are told the limit in the CONNACK); a client with more than
 * {@link MqttSettings#getReceiveMaximum()} messages in flight is disconnected (MQTT 5 clients are
 * told this limit too, and keep to it); QoS 0 messages do not count against it but are bounded
 * too (four times as many; beyond that they are dropped and counted). Wrong credentials are refused,
 * counted and logged without the secret; after {@link MqttSettings#getAuthFailuresBeforeDelay()}
 * failures from one address each further CONNECT from it waits before its credentials are even
 * checked, longer each time, doubling up to {@link MqttSettings#getMaxAuthDelayMillis()}.
 * QoS 2 is not offered (MQTT 5: maximum QoS 1 in the CONNACK).
 */
final class EmbeddedMqttConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMqttConsumer.class);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final MqttSettings settings;
    private final DeviceRegistry registry;
    private final MqttMeters meters;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Cache<String, AtomicInteger> failures = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(10)).maximumSize(100_000).build();
    private final AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
    private final AtomicLong refusalsNotLogged = new AtomicLong();
    private Vertx vertx;
    private MqttServer server;
    private String serverName;
    private long sessionCheck = -1;
    // the route runs here, not on the event loops. Its queue holds at most one task per machine
    // (a machine's messages wait in its own queue, SerialExecutor), so it never refuses a task
    // and never hands one back to an event loop
    private ThreadPoolExecutor routeThreads;

    EmbeddedMqttConsumer(Endpoint endpoint, Processor processor, MqttSettings settings, DeviceRegistry registry, MqttMeters meters) {
        super(endpoint, processor);
        this.settings = settings;
        this.registry = registry;
        this.meters = meters;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        meters.bind(getEndpoint().getCamelContext());
        AtomicInteger threadNumber = new AtomicInteger();
        routeThreads = new ThreadPoolExecutor(settings.getRouteThreads(), settings.getRouteThreads(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "machines-mqtt-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors())));
        // like the HTTP server: nothing beyond this machine until people must sign in
        Settings s = new Settings(getEndpoint().getCamelContext());
        String host = HttpAccess.mayListenBeyondLoopback(s) ? settings.getHost() : "127.0.0.1";
        MqttServerOptions options = new MqttServerOptions()
                .setHost(host)
                .setPort(settings.getPort())
                .setMaxMessageSize(settings.getMaxMessageBytes())
                .setTimeoutOnConnect(settings.getConnectTimeoutSeconds())
                .setAutoClientId(true);
        if (settings.tls()) {
            options.setSsl(true);
            if (settings.getKeyStoreType().equalsIgnoreCase("JKS")) {
                options.setKeyCertOptions(new JksOptions().setPath(settings.keyStorePath()).setPassword(settings.getKeyStorePassword()));
            } else {
                options.setKeyCertOptions(new PfxOptions().setPath(settings.keyStorePath()).setPassword(settings.getKeyStorePassword()));
            }
        }
        server = MqttServer.create(vertx, options)
                .endpointHandler(this::connecting)
                // a client that sends garbage is its own problem: its connection is closed, the others go on
                .exceptionHandler(e -> LOG.debug("MQTT connection error: {}", e.toString()));
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            vertx.close();
            throw new IllegalStateException("The MQTT endpoint for machines cannot listen on " + host + ":" + settings.getPort()
                    + " (" + e.getCause().getMessage() + "): is another MQTT broker (a Mosquitto service?) running there? "
                    + "Set vendstream.mqtt.port (VENDSTREAM_MQTT_PORT) to a free port, or vendstream.mqtt.mode=external to use that broker", e.getCause());
        }
        // this endpoint among all instances: no two can listen on one host's port at once
        serverName = hostName() + ":" + server.actualPort();
        // sessions this endpoint held when its process last ended without stopping (kill -9, power cut)
        registry.serverRestarted(serverName);
        registry.onRevoked(this::secretWithdrawn);
        sessionCheck = vertx.setPeriodic(Math.max(1_000, registry.cacheMillis()), id -> checkSessions());
        String access = (settings.tls() ? "mqtts://" : "mqtt://") + host + ":" + server.actualPort()
                + ", each machine signs in with its own secret"
                + (HttpAccess.mayListenBeyondLoopback(s) ? "" : " (127.0.0.1 only while no users are configured)");
        getEndpoint().getCamelContext().getPropertiesComponent().addOverrideProperty("vendstream.mqtt.access", access);
        LOG.info("MQTT endpoint for machines: {} (topics {}{{machineId}}/events|status|dex)", access, MachineTopic.ROOT);
    }

    @Override
    protected void doStop() throws Exception {
        if (sessionCheck >= 0) {
            vertx.cancelTimer(sessionCheck);
        }
        List<String> open = new ArrayList<>(sessions.keySet());
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        sessions.clear();
        if (routeThreads != null) {
            routeThreads.shutdown();
            routeThreads.awaitTermination(10, TimeUnit.SECONDS);
        }
        try {
            registry.allDisconnected(open, "server stopped", serverName);
        } catch (Exception e) {
            LOG.warn("Could not record that {} MQTT sessions ended: {}", open.size(), e.getMessage());
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        super.doStop();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    private void connecting(MqttEndpoint endpoint) {
        boolean v5 = endpoint.protocolVersion() == 5;
        String address = endpoint.remoteAddress() == null ? "unknown" : endpoint.remoteAddress().host();
        // a client may send right after its CONNECT: keep what comes before the CONNACK (bounded), and
        // notice a connection that goes away while its credentials are being checked
        Early early = new Early();
        endpoint.publishAutoAck(false);
        endpoint.closeHandler(v -> early.gone = true);
        endpoint.publishHandler(message -> {
            if (early.messages.size() < settings.getReceiveMaximum()) {
                early.messages.add(message);
            }
        });
        if (endpoint.auth() == null || endpoint.auth().getUsername() == null || endpoint.auth().getPassword() == null) {
            refuseConnect(endpoint, v5, address, null, "no credentials");
            return;
        }
        String machineId = endpoint.auth().getUsername();
        String secret = endpoint.auth().getPassword();
        Context context = Vertx.currentContext();
        Runnable check = () -> vertx.executeBlocking(() -> registry.authenticate(machineId, secret), false).onComplete(result -> {
            if (early.gone) {
                return;
            }
            if (result.failed()) {
                LOG.warn("MQTT connection of {} from {} refused: the device registry cannot be read ({})", machineId, address,
                        result.cause().getMessage());
                meters.connectRefused("registry unavailable");
                reject(endpoint, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                        : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            } else if (!result.result()) {
                refuseConnect(endpoint, v5, address, machineId, "wrong credentials");
            } else if (endpoint.will() != null && endpoint.will().isWillFlag()
                    && !MachineTopic.of(machineId, MachineTopic.Kind.STATUS).equals(endpoint.will().getWillTopic())) {
                refuseConnect(endpoint, v5, address, machineId, "last will outside its own status topic");
            } else {
                // a machine that signs in from here ends the address's run of failures (a whole campus
                // network may sit behind one address); guessing a 256-bit secret is hopeless anyway,
                // the wait is there to slow down whoever keeps knocking
                failures.invalidate(address);
                accept(endpoint, context, v5, machineId, address, DeviceRegistry.sha256(secret), early.messages);
            }
        });
        // an address that keeps failing waits before its credentials are even looked at
        AtomicInteger failed = failures.getIfPresent(address);
        long delay = authDelayMillis(failed == null ? 0 : failed.get());
        if (delay > 0) {
            vertx.setTimer(delay, t -> check.run());
        } else {
            check.run();
        }
    }

    /** What a connection sent before its CONNACK, and whether it went away meanwhile. */
    private static final class Early {
        final List<MqttPublishMessage> messages = new ArrayList<>();
        boolean gone;
    }

    private void refuseConnect(MqttEndpoint endpoint, boolean v5, String address, String machineId, String reason) {
        meters.connectRefused(reason);
        int n = failures.get(address, a -> new AtomicInteger()).incrementAndGet();
        logRefusal("MQTT connection from {} refused ({}{}), {} failures from this address in the last minutes",
                address, reason, machineId == null ? "" : " for machine " + machineId, n);
        boolean will = reason.startsWith("last will");
        reject(endpoint, v5 ? (will ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD)
                : (will ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED
                : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD));
    }

    private static void reject(MqttEndpoint endpoint, MqttConnectReturnCode code) {
        try {
            endpoint.reject(code);
        } catch (RuntimeException e) {
            LOG.debug("The refused client had gone: {}", e.toString());
        }
    }

    /** How long a CONNECT waits before its check when its address has failed this many times in a row. */
    long authDelayMillis(int failuresFromAddress) {
        int over = failuresFromAddress - settings.getAuthFailuresBeforeDelay() + 1;
        if (over <= 0) {
            return 0;
        }
        return Math.min(settings.getMaxAuthDelayMillis(), 250L << Math.min(over - 1, 20));
    }

    private void accept(MqttEndpoint endpoint, Context context, boolean v5, String machineId, String address, byte[] digest,
                        List<MqttPublishMessage> early) {
        Session session = new Session(endpoint, context, v5, machineId, address, digest);
        try {
            endpoint.subscriptionAutoAck(false);
            endpoint.publishHandler(session::publish);
            endpoint.subscribeHandler(session::subscribe);
            endpoint.unsubscribeHandler(u -> endpoint.unsubscribeAcknowledge(u.messageId()));
            endpoint.disconnectHandler(v -> session.cleanDisconnect = true);
            endpoint.closeHandler(v -> session.closed());
            endpoint.exceptionHandler(e -> LOG.debug("MQTT session of {} from {}: {}", machineId, address, e.toString()));
            if (v5) {
                MqttProperties props = new MqttProperties();
                props.add(new IntegerProperty(MqttPropertyType.RECEIVE_MAXIMUM.value(), settings.getReceiveMaximum()));
                props.add(new IntegerProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), settings.getMaxMessageBytes()));
                props.add(new IntegerProperty(MqttPropertyType.MAXIMUM_QOS.value(), 1));
                props.add(new IntegerProperty(MqttPropertyType.RETAIN_AVAILABLE.value(), 0));
                props.add(new IntegerProperty(MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE.value(), 0));
                props.add(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), 0));
                endpoint.accept(false, props);
            } else {
                endpoint.accept(false);
            }
        } catch (RuntimeException e) {
            LOG.debug("MQTT connection of {} from {} ended while it was accepted: {}", machineId, address, e.toString());
            return;
        }
        Session previous = sessions.put(machineId, session);
        if (previous != null) {
            previous.context.runOnContext(v -> previous.close(MqttDisconnectReasonCode.SESSION_TAKEN_OVER,
                    "a new connection of the same machine took over"));
        }
        session.open();
        early.forEach(session::publish);
    }

    /** A device's secret was rotated or revoked on this instance: its open session here ends at once. */
    private void secretWithdrawn(String machineId) {
        Session session = sessions.get(machineId);
        if (session != null) {
            session.context.runOnContext(v -> session.close(MqttDisconnectReasonCode.NOT_AUTHORIZED, "its secret was withdrawn"));
        }
    }

    /** The open sessions against the registry: one revoked or rotated on another instance ends here too. */
    private void checkSessions() {
        if (sessions.isEmpty()) {
            return;
        }
        Map<String, Session> open = Map.copyOf(sessions);
        Map<String, byte[]> digests = new java.util.HashMap<>();
        open.forEach((id, session) -> digests.put(id, session.digest));
        vertx.executeBlocking(() -> registry.withdrawn(digests), false).onComplete(result -> {
            if (result.failed()) {
                LOG.debug("Could not check the open MQTT sessions: {}", result.cause().toString());
                return;
            }
            for (String machineId : result.result()) {
                Session session = open.get(machineId);
                session.context.runOnContext(v -> session.close(MqttDisconnectReasonCode.NOT_AUTHORIZED, "its secret was withdrawn"));
            }
        });
    }

    private void logRefusal(String format, Object... args) {
        long now = System.nanoTime();
        long last = lastRefusalLog.get();
        if (now - last >= LOG_INTERVAL_NANOS && lastRefusalLog.compareAndSet(last, now)) {
            long skipped = refusalsNotLogged.getAndSet(0);
            LOG.warn(format + (skipped > 0 ? " (" + skipped + " more refusals not logged in the last 10 s)" : ""), args);
        } else {
            refusalsNotLogged.incrementAndGet();
        }
    }

    /**
     * One connected machine: its messages in flight, acknowledged in the order they came. Its fields
     * are touched on its connection's event loop only; what goes to the route and the registry goes
     * through {@link #serial}, in order.
     */
    private final class Session {

        private final String id = java.util.UUID.randomUUID().toString();
        private final MqttEndpoint endpoint;
        private final Context context;
        private final boolean v5;
        private final String machineId;
        private final String address;
        private final byte[] digest;
        private final Deque<InFlight> inFlight = new ArrayDeque<>();
        private final SerialExecutor serial = new SerialExecutor(routeThreads);
        private int qos1InFlight;
        private int qos0InFlight;
        private boolean cleanDisconnect;
        private boolean closing;
        private volatile boolean closed;
        private boolean counted;
        private String closedBecause;

        Session(MqttEndpoint endpoint, Context context, boolean v5, String machineId, String address, byte[] digest) {
            this.endpoint = endpoint;
            this.context = context;
            this.v5 = v5;
            this.machineId = machineId;
            this.address = address;
            this.digest = digest;
        }

        void open() {
            counted = true;
            meters.connected();
            serial.execute(() -> {
                try {
                    registry.connected(machineId, address, serverName, id);
                } catch (Exception e) {
                    LOG.warn("Could not record the MQTT session of {}: {}", machineId, e.getMessage());
                }
            });
        }

        void publish(MqttPublishMessage message) {
            if (closing) {
                return; // never acknowledged: the machine sends it again on its next connection
            }
            if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
                meters.refused("qos 2");
                logRefusal("MQTT machine {} from {} published with QoS 2, which is not offered: disconnected", machineId, address);
                close(MqttDisconnectReasonCode.QOS_NOT_SUPPORTED, "QoS 2 is not offered");
                return;
            }
            boolean qos1 = message.qosLevel() == MqttQoS.AT_LEAST_ONCE;
            if (qos1 && qos1InFlight >= settings.getReceiveMaximum()) {
                meters.refused("receive maximum exceeded");
                logRefusal("MQTT machine {} from {} has more than {} QoS 1 messages in flight: disconnected", machineId, address,
                        settings.getReceiveMaximum());
                close(MqttDisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED, "more than " + settings.getReceiveMaximum() + " messages in flight");
                return;
            }
            if (!qos1 && qos0InFlight >= 4 * settings.getReceiveMaximum()) {
                meters.refused("qos 0 over the in-flight bound, dropped");
                return;
            }
            InFlight entry = new InFlight(message.messageId(), qos1);
            inFlight.add(entry);
            if (qos1) {
                qos1InFlight++;
            } else {
                qos0InFlight++;
            }
            MachineTopic topic = MachineTopic.parse(message.topicName()).orElse(null);
            if (topic == null || !topic.machineId().equals(machineId)) {
                meters.refused("topic outside own tree");
                logRefusal("MQTT machine {} from {} published on {}, outside its own topics {}: not accepted", machineId, address,
                        message.topicName(), MachineTopic.subtree(machineId));
                // MQTT 5 says so in the PUBACK; MQTT 3.1.1 has no way to, and acknowledges (as brokers do)
                settle(entry, v5 ? MqttPubAckReasonCode.NOT_AUTHORIZED : MqttPubAckReasonCode.SUCCESS);
                return;
            }
            meters.message(topic.kind().segment());
            received(topic, message.payload().getBytes(), entry);
        }

        void received(MachineTopic topic, byte[] payload, InFlight entry) {
            Exchange exchange = createExchange(false);
            exchange.getMessage().setBody(payload);
            exchange.getMessage().setHeader(MachineMessage.MACHINE_ID, topic.machineId());
            exchange.getMessage().setHeader(MachineMessage.KIND, topic.kind().segment());
            exchange.getMessage().setHeader(MachineMessage.DEVICE, machineId);
            exchange.getMessage().setHeader(MachineMessage.SOURCE, "mqtt " + address);
            exchange.getMessage().setHeader(MachineMessage.RECEIVED_AT, System.currentTimeMillis());
            serial.execute(() -> {
                if (closed && entry != null) {
                    // the connection is gone and nothing was acknowledged: the machine sends it again
                    releaseExchange(exchange, false);
                    return;
                }
                getAsyncProcessor().process(exchange, doneSync -> {
                    Exception failure = exchange.getException();
                    releaseExchange(exchange, false);
                    if (entry == null) {
                        return;
                    }
                    context.runOnContext(v -> {
                        if (closing) {
                            return;
                        }
                        if (failure != null) {
                            LOG.warn("A message of machine {} on {} could not be handed on ({}): closing its connection unacknowledged, "
                                    + "so that it sends the message again", machineId, topic, failure.getMessage());
                            close(MqttDisconnectReasonCode.UNSPECIFIED_ERROR, "the message could not be handed on");
                        } else {
                            settle(entry, MqttPubAckReasonCode.SUCCESS);
                        }
                    });
                });
            });
        }

        private void settle(InFlight entry, MqttPubAckReasonCode code) {
            entry.code = code;
            flush();
        }

        /** Acknowledges the settled messages at the head of the queue, keeping the order they came in. */
        private void flush() {
            while (!inFlight.isEmpty() && inFlight.peek().code != null) {
                InFlight done = inFlight.poll();
                if (done.qos1) {
                    qos1InFlight--;
                    if (v5 && done.code != MqttPubAckReasonCode.SUCCESS) {
                        endpoint.publishAcknowledge(done.messageId, done.code, MqttProperties.NO_PROPERTIES);
                    } else {
                        endpoint.publishAcknowledge(done.messageId);
                    }
                } else {
                    qos0InFlight--;
                }
            }
        }

        void subscribe(MqttSubscribeMessage subscribe) {
            List<MqttQoS> granted = new ArrayList<>();
            List<MqttSubAckReasonCode> codes = new ArrayList<>();
            for (MqttTopicSubscription s : subscribe.topicSubscriptions()) {
                if (MachineTopic.withinOwnTree(s.topicName(), machineId)) {
                    MqttQoS qos = s.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
                    granted.add(qos);
                    codes.add(qos == MqttQoS.AT_MOST_ONCE ? MqttSubAckReasonCode.GRANTED_QOS0 : MqttSubAckReasonCode.GRANTED_QOS1);
                } else {
                    meters.refused("subscription outside own tree");
                    logRefusal("MQTT machine {} from {} asked to subscribe to {}, outside its own topics {}: refused", machineId,
                            address, s.topicName(), MachineTopic.subtree(machineId));
                    granted.add(MqttQoS.FAILURE);
                    codes.add(MqttSubAckReasonCode.NOT_AUTHORIZED);
                }
            }
            if (v5) {
                endpoint.subscribeAcknowledge(subscribe.messageId(), codes, MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.subscribeAcknowledge(subscribe.messageId(), granted);
            }
        }

        /** Ends the connection (once; on its event loop). */
        void close(MqttDisconnectReasonCode reason, String because) {
            if (closing) {
                return;
            }
            closing = true;
            closedBecause = because;
            try {
                if (v5 && endpoint.isConnected()) {
                    endpoint.disconnect(reason, MqttProperties.NO_PROPERTIES);
                }
                endpoint.close();
            } catch (RuntimeException e) {
                LOG.debug("The connection of {} had already ended: {}", machineId, e.toString());
            }
        }

        void closed() {
            if (closed) {
                return;
            }
            closed = true;
            closing = true;
            if (counted) {
                meters.disconnected();
            }
            inFlight.clear();
            sessions.remove(machineId, this);
            boolean will = !cleanDisconnect && endpoint.will() != null && endpoint.will().isWillFlag();
            String how = closedBecause != null ? "closed by vendstream: " + closedBecause : will ? "last will" : cleanDisconnect ? "disconnect" : "connection lost";
            // after its messages, and only if this session is still the machine's latest (session id)
            serial.execute(() -> {
                try {
                    registry.disconnected(machineId, how, id);
                } catch (Exception e) {
                    LOG.warn("Could not record that the MQTT session of {} ended: {}", machineId, e.getMessage());
                }
            });
            if (will) {
                // the server publishes the last will: here, to the route, as the machine's own status message
                received(new MachineTopic(machineId, MachineTopic.Kind.STATUS), endpoint.will().getWillMessageBytes(), null);
            }
        }
    }

    /**
     * Runs one task at a time, in order, on a shared pool: a machine's messages reach the route (and
     * Kafka) in the order the machine sent them, while different machines' go in parallel.
     */
    static final class SerialExecutor implements java.util.concurrent.Executor {
        private final java.util.concurrent.Executor pool;
        private final Deque<Runnable> tasks = new ArrayDeque<>();
        private boolean running;

        SerialExecutor(java.util.concurrent.Executor pool) {
            this.pool = pool;
        }

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
            if (!running) {
                running = true;
                try {
                    pool.execute(this::drain);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    // the endpoint is stopping and its connections close after the pool: what such a
                    // session still had to say (that it ended) the stop records for every session at once
                    running = false;
                    LOG.debug("Endpoint stopping: {} task(s) of a closing session not run", tasks.size());
                    tasks.clear();
                }
            }
        }

        private void drain() {
            while (true) {
                Runnable next;
                synchronized (this) {
                    next = tasks.poll();
                    if (next == null) {
                        running = false;
                        return;
                    }
                }
                try {
                    next.run();
                } catch (RuntimeException e) {
                    LOG.warn("A machine's message could not be handed to the route: {}", e.toString());
                }
            }
        }
    }

    private static final class InFlight {
        final int messageId;
        final boolean qos1;
        MqttPubAckReasonCode code;

        InFlight(int messageId, boolean qos1) {
            this.messageId = messageId;
            this.qos1 = qos1;
        }
    }
}
