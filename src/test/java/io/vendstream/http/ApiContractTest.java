package io.vendstream.http;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract on its own, without a running application: what a reader or a client generator
 * relies on (every answer typed and shown by an example, shared parts described once).
 */
class ApiContractTest {

    private static final List<String> SHARED = List.of("from", "to", "location", "machineId", "limit");

    private final ContractSchemas schemas = new ContractSchemas();
    private final JsonNode doc = schemas.contract().document();

    @Test
    void should_give_every_operation_an_id_a_typed_200_answer_and_an_example_of_it() {
        List<ApiContract.Operation> operations = schemas.contract().operations();
        assertThat(operations).extracting(ApiContract.Operation::operationId).doesNotContainNull()
                .doesNotHaveDuplicates().allMatch(id -> id.matches("[a-z]+(-[a-z0-9]+)+"));
        Map<String, JsonNode> examples = schemas.examples();
        for (ApiContract.Operation op : operations) {
            if (!schemas.answersJson(op)) {
                // a CSV export: its media type has a schema and an example body too
                JsonNode content = schemas.content200(op);
                assertThat(content.size()).as("media types of the 200 answer of %s", op.operationId()).isPositive();
                content.forEach(media -> assertThat(media.has("schema") && media.has("example"))
                        .as("schema and example of the 200 answer of %s", op.operationId()).isTrue());
                continue;
            }
            assertThat(schemas.schema(op, 200)).as("200 schema of %s", op.operationId()).isNotNull();
            assertThat(examples).as("example of the 200 answer of %s", op.operationId()).containsKey(op.operationId() + " 200");
        }
    }

    @Test
    void should_match_every_example_against_the_schema_it_illustrates() {
        for (Map.Entry<String, JsonNode> example : schemas.examples().entrySet()) {
            String[] opAndStatus = example.getKey().split(" ");
            ApiContract.Operation op = schemas.contract().operations().stream()
                    .filter(o -> o.operationId().equals(opAndStatus[0])).findFirst().orElseThrow();
            assertThat(schemas.schema(op, Integer.parseInt(opAndStatus[1])).validate(example.getValue()))
                    .as("example of %s", example.getKey()).isEmpty();
        }
    }

    @Test
    void should_describe_shared_parameters_and_error_answers_once_and_refer_to_them() {
        for (String name : SHARED) {
            assertThat(doc.at("/components/parameters/" + name + "/name").asText()).isEqualTo(name);
        }
        assertThat(doc.at("/components/responses/Unavailable/headers/Retry-After").isMissingNode()).isFalse();
        doc.get("paths").forEach(path -> path.forEach(op -> {
            op.path("parameters").forEach(p -> assertThat(p.has("$ref"))
                    .as("parameter %s of %s is a reference into components", p, op.path("operationId").asText()).isTrue());
            op.path("responses").fields().forEachRemaining(r -> {
                if (Set.of("400", "503").contains(r.getKey())) {
                    assertThat(r.getValue().has("$ref")).as("%s answer of %s", r.getKey(), op.path("operationId").asText()).isTrue();
                }
            });
            assertThat(op.path("responses").has("503")).as("503 answer of %s", op.path("operationId").asText()).isTrue();
        }));
    }

    @Test
    void should_keep_the_documented_example_answers_as_the_contract_describes_them() {
        List<ApiExamples.Answer> answers = ApiExamples.read();
        for (ApiExamples.Answer answer : answers) {
            ApiContract.Operation op = schemas.operation(answer.pathAndQuery()).orElseThrow(() -> new AssertionError(
                    answer.pathAndQuery() + " in " + ApiExamples.FILE + " is no operation of the contract; regenerate: " + ApiExamples.REGENERATE));
            assertThat(schemas.schema(op, answer.status()).validate(answer.body()))
                    .as("%s in %s no longer matches the contract; regenerate: %s", answer.pathAndQuery(), ApiExamples.FILE,
                            ApiExamples.REGENERATE).isEmpty();
        }
        // every JSON answer a GET without path parameters gives is shown
        List<String> documentable = schemas.contract().operations().stream()
                .filter(op -> op.verb().equals("GET") && !op.path().contains("{") && schemas.mediaType(op, 200).equals("application/json"))
                .map(ApiContract.Operation::operationId).toList();
        assertThat(answers.stream().filter(a -> a.status() == 200).map(a -> schemas.operation(a.pathAndQuery()).orElseThrow().operationId()))
                .as("operations with a documented answer in %s; regenerate: %s", ApiExamples.FILE, ApiExamples.REGENERATE)
                .containsAll(documentable);
    }

    @Test
    void should_refuse_an_answer_the_contract_does_not_allow() {
        ApiContract.Operation config = schemas.operation("/api/config").orElseThrow();
        assertThat(schemas.schema(config, 200).validate(doc.at("/components/responses/BadParameter/content/application~1json/example")))
                .as("an error body is not a config answer").isNotEmpty();
        JsonNode summary = schemas.examples().get("get-sales-summary 200").deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) summary).put("lastEventAt", "yesterday");
        assertThat(schemas.schema(schemas.operation("/api/summary").orElseThrow(), 200).validate(summary))
                .as("a timestamp that is not one").isNotEmpty();
    }
}
