package io.vendstream.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The last step of every JSON operation (routes/api-rest.camel.yaml): the answer as UTF-8 JSON
 * bytes. A {@link SerializedAnswer} goes out as the bytes it was written to once; any other
 * answer is written here, the way the Jackson data format would.
 */
public final class AnswerWriter {

    public byte[] write(@Body Object answer, Exchange exchange) throws JsonProcessingException {
        Message message = exchange.getMessage();
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        return answer instanceof SerializedAnswer serialized ? serialized.bytes() : SerializedAnswer.JSON.writeValueAsBytes(answer);
    }
}
