package io.vendstream.devices;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

/**
 * Turns what a machine sent (an MQTT message on its events topic, or the events of an HTTP post)
 * into the Kafka records of {@code vending.events}: one record per event, keyed by the machine id,
 * stamped with the time vendstream received it (the record's timestamp), and carrying who sent it
 * (record headers {@value #DEVICE_HEADER} and {@value #SOURCE_HEADER}), so that the ingest route
 * can refuse an event naming another machine ({@code DEVICE_MISMATCH}).
 *
 * <p>A JSON array is cut into its elements byte for byte (no re-encoding: the dead letter keeps
 * what the machine sent); anything else, valid JSON or not, is one record as it is, for the ingest
 * route to judge. Nothing here refuses an event: validation stays in one place.
 */
public final class MachineRecords {

    /** Kafka record header: the machine id the sender authenticated as. */
    public static final String DEVICE_HEADER = "vendstream-device";
    /** Kafka record header: how and from where it came, e.g. {@code mqtt 10.0.4.17}. */
    public static final String SOURCE_HEADER = "vendstream-source";

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * Route step: the body (the message's bytes) becomes the list of its records, each a message
     * with its own key, timestamp and sender headers (sent with {@code batchWithIndividualHeaders}).
     * The exchange's own headers are dropped, so none of them travels to Kafka.
     */
    public void events(Exchange exchange) {
        Message in = exchange.getMessage();
        byte[] payload = in.getBody(byte[].class);
        String machineId = in.getHeader(MachineMessage.MACHINE_ID, String.class);
        String device = in.getHeader(MachineMessage.DEVICE, String.class);
        String source = in.getHeader(MachineMessage.SOURCE, String.class);
        Long receivedAt = in.getHeader(MachineMessage.RECEIVED_AT, Long.class);
        List<Message> records = new ArrayList<>();
        for (byte[] event : split(payload == null ? new byte[0] : payload)) {
            records.add(record(exchange.getContext(), event, machineId, device, source,
                    receivedAt == null ? System.currentTimeMillis() : receivedAt));
        }
        in.removeHeaders("*");
        in.setBody(records);
    }

    static Message record(CamelContext context, byte[] event, String machineId, String device, String source, long receivedAt) {
        Message m = new DefaultMessage(context);
        m.setBody(event);
        m.setHeader(KafkaConstants.KEY, machineId.getBytes(StandardCharsets.UTF_8));
        m.setHeader(KafkaConstants.OVERRIDE_TIMESTAMP, receivedAt);
        if (device != null) {
            m.setHeader(DEVICE_HEADER, device);
        }
        if (source != null) {
            m.setHeader(SOURCE_HEADER, source);
        }
        return m;
    }

    /**
     * The events of one message: the elements of a top-level JSON array, each as its own bytes;
     * otherwise the whole message (an object, or bytes the ingest route will reject). An empty
     * array has no events.
     */
    public static List<byte[]> split(byte[] payload) {
        int start = 0;
        while (start < payload.length && isJsonSpace(payload[start])) {
            start++;
        }
        if (start == payload.length || payload[start] != '[') {
            return List.of(payload);
        }
        List<byte[]> events = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(payload)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                return List.of(payload);
            }
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                if (token == null) {
                    return List.of(payload); // cut short: one record, rejected as malformed with all its bytes
                }
                int from = (int) parser.currentTokenLocation().getByteOffset();
                if (token.isScalarValue()) {
                    parser.finishToken(); // a string is read lazily: read it to its end
                } else {
                    parser.skipChildren();
                }
                int to = (int) parser.currentLocation().getByteOffset();
                events.add(Arrays.copyOfRange(payload, from, to));
            }
            if (parser.nextToken() != null) {
                return List.of(payload); // something after the array: not one JSON value
            }
        } catch (IOException e) {
            return List.of(payload);
        }
        return events;
    }

    private static boolean isJsonSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
