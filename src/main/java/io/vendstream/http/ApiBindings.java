package io.vendstream.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.vendstream.config.StartupException;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;

/**
 * Keeps the routes and the API contract together: at start-up every operation of the contract
 * must have the route of the same id made from a route template with the parameters {@code path}
 * and {@code verb} (routes/api-rest.camel.yaml), on the contract's path and HTTP method, and every
 * such route must be an operation of the contract. An operation marked
 * {@code x-vendstream-served-by: router} is served by a handler on the HTTP router instead
 * ({@link ChangeStream}, the event stream, which a route cannot serve in Camel 4.18) and must have no such route.
 * Otherwise the application does not start, and the message names the operation to fix.
 */
public final class ApiBindings extends MainListenerSupport {

    @Override
    public void afterConfigure(BaseMainSupport main) {
        // the contract bean the API serves (routes/api-beans.camel.yaml): parsed once, read by both
        ApiContract contract = main.getCamelContext().getRegistry().lookupByNameAndType("apiContract", ApiContract.class);
        if (contract == null) {
            throw new StartupException("The bean apiContract (routes/api-beans.camel.yaml) is missing, so the API routes "
                    + "cannot be checked against the contract " + ApiContract.RESOURCE);
        }
        List<String> problems = problems(contract, ((ModelCamelContext) main.getCamelContext()).getRouteDefinitions());
        if (!problems.isEmpty()) {
            throw new StartupException("The API routes do not match the contract " + ApiContract.RESOURCE + ": "
                    + String.join("; ", problems));
        }
    }

    static List<String> problems(ApiContract contract, List<RouteDefinition> routes) {
        Map<String, RouteDefinition> bound = new LinkedHashMap<>();
        for (RouteDefinition route : routes) {
            Map<String, Object> params = route.getTemplateParameters();
            if (route.isCreatedFromTemplate() && params != null && params.containsKey("path")) {
                bound.put(route.getRouteId(), route);
            }
        }
        List<String> problems = new ArrayList<>();
        for (ApiContract.Operation op : contract.operations()) {
            if (op.operationId() == null) {
                problems.add(op.verb() + " " + op.path() + " has no operationId");
                continue;
            }
            RouteDefinition route = bound.remove(op.operationId());
            if ("router".equals(op.servedBy())) {
                if (route != null) {
                    problems.add("operation " + op.operationId() + " is served on the HTTP router (x-vendstream-served-by), "
                            + "yet routes/api-rest.camel.yaml has a templatedRoute for it too");
                }
                continue;
            }
            if (route == null) {
                problems.add("operation " + op.operationId() + " (" + op.verb() + " " + op.path()
                        + ") has no templatedRoute with routeId " + op.operationId() + " in routes/api-rest.camel.yaml");
                continue;
            }
            Object path = route.getTemplateParameters().get("path");
            Object verb = route.getTemplateParameters().get("verb");
            if (!op.path().equals(path) || !op.verb().equalsIgnoreCase(Objects.toString(verb, ""))) {
                problems.add("route " + op.operationId() + " answers " + verb + " " + path + " but the contract has "
                        + op.verb() + " " + op.path());
            }
        }
        for (String id : bound.keySet()) {
            problems.add("route " + id + " is not an operation of the contract");
        }
        return problems;
    }
}
