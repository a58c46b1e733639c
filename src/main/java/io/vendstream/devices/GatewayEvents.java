package io.vendstream.devices;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.vendstream.http.BadParameterException;
import io.vendstream.http.Caller;
import io.vendstream.ingest.EventValidator;
import io.vendstream.ingest.Rejection;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Message;

/**
 * {@code POST /api/events}: events from a gateway or a machine over HTTP, as a JSON array or as
 * JSON lines. Each event is judged as the ingest route will judge it (the same validator, and a
 * machine signed in with its own credentials may send only its own events:
 * {@code DEVICE_MISMATCH}), then all of them, accepted or not, go to {@code vending.events} through
 * route publish-machine-events, so a rejected one is dead-lettered with its bytes like any other.
 * The answer comes only after Kafka acknowledged every record, and says per event: accepted, or
 * rejected with the reason code and the detail naming the field. When Kafka cannot take them the
 * answer is 503 and the sender retries the whole post (the eventIds make that harmless).
 */
public final class GatewayEvents {

    private final String validatorBean;
    private final int maxEvents;
    private final String publishEndpoint;
    private volatile ProducerTemplate producer;
    private volatile EventValidator validator;

    /**
     * @param validatorBean the ingest route's validator bean (routes/ingest-beans.camel.yaml), found at the
     *                      first request, so that both judge alike
     */
    public GatewayEvents(String validatorBean, int maxEvents, String publishEndpoint) {
        this.validatorBean = validatorBean;
        this.maxEvents = maxEvents;
        this.publishEndpoint = publishEndpoint;
    }

    public Map<String, Object> receive(Exchange exchange) {
        Message in = exchange.getMessage();
        byte[] body = in.getBody(byte[].class);
        if (body == null || body.length == 0) {
            throw new BadParameterException("body", "the body must be a JSON array of events or JSON lines (one event per line)");
        }
        long receivedAt = System.currentTimeMillis();
        String device = in.getHeader(Caller.DEVICE_HEADER, String.class);
        String source = "http " + (device != null ? "device " + device : Caller.name(exchange));
        EventValidator validator = validator(exchange);
        List<byte[]> events = events(body);
        if (events.size() > maxEvents) {
            throw new BadParameterException("body", "the body holds " + events.size() + " events; at most " + maxEvents
                    + " may come in one request (vendstream.devices.http.max-events)");
        }
        List<Message> records = new ArrayList<>(events.size());
        List<Map<String, Object>> outcomes = new ArrayList<>(events.size());
        int accepted = 0;
        for (int i = 0; i < events.size(); i++) {
            byte[] event = events.get(i);
            EventValidator.Result result = validator.validate(event);
            Map<String, Object> outcome = new LinkedHashMap<>();
            outcome.put("index", i);
            String key;
            if (result.isValid() && device != null && !device.equals(result.event().machineId())) {
                outcome.put("eventId", result.event().eventId().toString());
                outcome.put("status", "rejected");
                outcome.put("reason", Rejection.Reason.DEVICE_MISMATCH.name());
                outcome.put("detail", "$.machineId: " + result.event().machineId() + " is not the signed-in machine " + device);
                key = device;
            } else if (result.isValid()) {
                outcome.put("eventId", result.event().eventId().toString());
                outcome.put("status", "accepted");
                key = result.event().machineId();
                accepted++;
            } else {
                outcome.put("eventId", result.rejection().eventId());
                outcome.put("status", "rejected");
                outcome.put("reason", result.rejection().reason().name());
                outcome.put("detail", result.rejection().detail());
                key = device != null ? device : "unknown";
            }
            outcomes.add(outcome);
            records.add(MachineRecords.record(exchange.getContext(), event, key, device, source, receivedAt));
        }
        if (!records.isEmpty()) {
            Exchange sent = producer(exchange).send(publishEndpoint, e -> e.getMessage().setBody(records));
            if (sent.getException() != null) {
                throw new IllegalStateException("Kafka did not acknowledge the events: " + sent.getException().getMessage(),
                        sent.getException());
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("received", events.size());
        answer.put("accepted", accepted);
        answer.put("rejected", events.size() - accepted);
        answer.put("events", outcomes);
        return answer;
    }

    private EventValidator validator(Exchange exchange) {
        EventValidator v = validator;
        if (v == null) {
            v = validator = EventValidator.named(exchange.getContext(), validatorBean);
        }
        return v;
    }

    private ProducerTemplate producer(Exchange exchange) {
        ProducerTemplate p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = exchange.getContext().createProducerTemplate();
                }
                p = producer;
            }
        }
        return p;
    }

    /** A JSON array's elements, or the non-blank lines of JSON lines, each as its bytes. */
    static List<byte[]> events(byte[] body) {
        int start = 0;
        while (start < body.length && Character.isWhitespace(body[start])) {
            start++;
        }
        if (start < body.length && body[start] == '[') {
            return MachineRecords.split(body);
        }
        List<byte[]> lines = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                byte[] line = Arrays.copyOfRange(body, from, i > from && body[i - 1] == '\r' ? i - 1 : i);
                if (!new String(line, StandardCharsets.UTF_8).isBlank()) {
                    lines.add(line);
                }
                from = i + 1;
            }
        }
        return lines;
    }
}
