package io.vendstream.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The start-up check that keeps the API routes and the contract together, without a running application. */
class ApiBindingsTest {

    private final ApiContract contract = new ApiContract();

    @Test
    void should_accept_one_route_per_operation_on_the_contracts_path_and_verb() {
        assertThat(ApiBindings.problems(contract, routesOfTheContract())).isEmpty();
    }

    @Test
    void should_name_an_operation_of_the_contract_that_has_no_route() {
        List<RouteDefinition> routes = routesOfTheContract();
        routes.removeIf(r -> r.getRouteId().equals("get-stock"));
        assertThat(ApiBindings.problems(contract, routes))
                .containsExactly("operation get-stock (GET /api/stock) has no templatedRoute with routeId get-stock in routes/api-rest.camel.yaml");
    }

    @Test
    void should_name_a_route_on_a_path_the_contract_does_not_have() {
        List<RouteDefinition> routes = routesOfTheContract();
        routes.add(templated("get-secrets", "/api/secrets", "GET"));
        routes.removeIf(r -> r.getRouteId().equals("get-machines"));
        routes.add(templated("get-machines", "/api/machine", "GET"));
        assertThat(ApiBindings.problems(contract, routes)).containsExactlyInAnyOrder(
                "route get-machines answers GET /api/machine but the contract has GET /api/machines",
                "route get-secrets is not an operation of the contract");
    }

    @Test
    void should_expect_no_route_for_the_event_stream_which_the_http_router_serves() {
        assertThat(contract.operations()).filteredOn(op -> "router".equals(op.servedBy()))
                .extracting(ApiContract.Operation::operationId).containsExactly("get-change-stream");
        List<RouteDefinition> routes = routesOfTheContract();
        routes.add(templated("get-change-stream", "/api/stream", "GET"));
        assertThat(ApiBindings.problems(contract, routes)).containsExactly("operation get-change-stream is served on the HTTP "
                + "router (x-vendstream-served-by), yet routes/api-rest.camel.yaml has a templatedRoute for it too");
    }

    @Test
    void should_leave_routes_that_are_not_made_from_an_operation_template_alone() {
        List<RouteDefinition> routes = routesOfTheContract();
        RouteDefinition plain = new RouteDefinition();
        plain.setId("get-openapi-document");
        routes.add(plain);
        assertThat(ApiBindings.problems(contract, routes)).isEmpty();
    }

    private List<RouteDefinition> routesOfTheContract() {
        List<RouteDefinition> routes = new ArrayList<>();
        for (ApiContract.Operation op : contract.operations()) {
            if ("router".equals(op.servedBy())) {
                continue;
            }
            routes.add(templated(op.operationId(), op.path(), op.verb()));
        }
        assertThat(routes).hasSizeGreaterThanOrEqualTo(12);
        return routes;
    }

    private static RouteDefinition templated(String id, String path, String verb) {
        RouteDefinition route = new RouteDefinition();
        route.setId(id);
        route.setTemplate(true);
        route.setTemplateParameters(Map.of("path", path, "verb", verb, "bean", "someQuery", "method", "answer"));
        return route;
    }
}
