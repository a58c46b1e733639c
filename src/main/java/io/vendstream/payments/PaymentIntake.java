package io.vendstream.payments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.http.BadParameterException;
import io.vendstream.ingest.EventValidator;
import io.vendstream.ingest.PaymentEvent;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

/**
 * {@code POST /api/payments/events}: a payment processor's webhook. The body is one payment event
 * (contract payment-v1) or a JSON array of them. Every event is checked with the ingest's own
 * validator before any is published; the first invalid one answers 400 naming its field and nothing
 * is published. The valid ones go to the payments topic as they came, keyed by machineId, and the
 * answer is sent only once the broker acknowledged them all (acks=all), so the processor may retry on
 * anything else: ingest stores each paymentEventId once.
 */
public final class PaymentIntake implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    // "$.amount: must have a minimum value of 0" (or "/amount: ...") names the field amount
    private static final Pattern FIELD = Pattern.compile("(?:\\$\\.|/)([A-Za-z]+)");
    private static final Pattern REQUIRED = Pattern.compile("required property '([A-Za-z]+)'");

    private final String validatorBean;
    private volatile EventValidator validator;
    private final String publishUri;
    private final int maxEvents;
    // one template, so one Kafka producer for every request
    private volatile ProducerTemplate template;

    /**
     * @param validatorBean the ingest route's validator bean (routes/ingest-beans.camel.yaml), found at the
     *                      first request: route files load in no fixed order
     * @param publishUri    the Kafka endpoint of the payments topic (synchronous, acks=all)
     * @param maxEvents     the most events one request may carry
     */
    public PaymentIntake(String validatorBean, String publishUri, int maxEvents) {
        this.validatorBean = validatorBean;
        this.publishUri = publishUri;
        this.maxEvents = maxEvents;
    }

    public Map<String, Object> receive(Exchange exchange) {
        if (validator == null) {
            validator = EventValidator.named(exchange.getContext(), validatorBean);
        }
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body == null || body.length == 0) {
            throw new BadParameterException("body", "the body must be a payment event (payment-v1) or a JSON array of them");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new BadParameterException("body", "the body is not valid JSON");
        }
        List<byte[]> payloads = new ArrayList<>();
        if (root != null && root.isArray()) {
            if (root.isEmpty() || root.size() > maxEvents) {
                throw new BadParameterException("body", "an array of 1 to " + maxEvents + " payment events is expected");
            }
            for (JsonNode event : root) {
                payloads.add(event.toString().getBytes(StandardCharsets.UTF_8));
            }
        } else {
            payloads.add(body);
        }
        List<PaymentEvent> events = new ArrayList<>(payloads.size());
        for (int i = 0; i < payloads.size(); i++) {
            EventValidator.Result result = validator.validatePayment(payloads.get(i));
            if (result.payment() == null) {
                String detail = result.rejection().detail();
                throw new BadParameterException(field(detail),
                        (payloads.size() > 1 ? "event " + i + ": " : "") + result.rejection().reason() + ": " + detail);
            }
            events.add(result.payment());
        }
        publish(exchange, payloads, events);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("accepted", events.size());
        answer.put("paymentEventIds", events.stream().map(e -> e.paymentEventId().toString()).toList());
        return answer;
    }

    /** The field a rejection's detail names first, or body. */
    static String field(String detail) {
        Matcher required = REQUIRED.matcher(detail);
        if (required.find()) {
            return required.group(1);
        }
        Matcher m = FIELD.matcher(detail);
        return m.find() ? m.group(1) : "body";
    }

    private void publish(Exchange exchange, List<byte[]> payloads, List<PaymentEvent> events) {
        List<Message> messages = new ArrayList<>(payloads.size());
        for (int i = 0; i < payloads.size(); i++) {
            Message message = new DefaultMessage(exchange.getContext());
            message.setBody(payloads.get(i));
            message.setHeader(KafkaConstants.KEY, events.get(i).machineId().getBytes(StandardCharsets.UTF_8));
            messages.add(message);
        }
        Exchange sent = template(exchange).send(publishUri, e -> e.getMessage().setBody(messages));
        if (sent.getException() != null) {
            throw new IllegalStateException("the broker did not acknowledge the payment events: " + sent.getException().getMessage(),
                    sent.getException());
        }
    }

    private ProducerTemplate template(Exchange exchange) {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                t = template;
                if (t == null) {
                    t = exchange.getContext().createProducerTemplate();
                    template = t;
                }
            }
        }
        return t;
    }

    @Override
    public void close() throws Exception {
        ProducerTemplate t = template;
        if (t != null) {
            t.close();
        }
    }
}
