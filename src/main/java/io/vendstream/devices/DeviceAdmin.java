package io.vendstream.devices;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.http.BadParameterException;
import io.vendstream.http.Caller;
import io.vendstream.http.NotFoundException;
import org.apache.camel.Exchange;

/**
 * The operator's side of device identity: {@code POST /api/devices} registers a machine and
 * answers its secret once, {@code GET /api/devices} lists them (never a secret),
 * {@code POST /api/devices/{machineId}/rotate} issues a new secret, {@code DELETE
 * /api/devices/{machineId}} revokes it. Operator role (the HTTP access gate).
 */
public final class DeviceAdmin {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DeviceRegistry registry;

    public DeviceAdmin(DeviceRegistry registry) {
        this.registry = registry;
    }

    public Map<String, Object> register(Exchange exchange) throws SQLException {
        String machineId = exchange.getMessage().getHeader("machineId", String.class);
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body != null && body.length > 0) {
            try {
                JsonNode node = JSON.readTree(body);
                if (node == null || !node.isObject() || !node.path("machineId").isTextual()) {
                    throw new BadParameterException("machineId", "the body must be a JSON object with the machine's id, e.g. {\"machineId\": \"VM-ENG-01\"}");
                }
                machineId = node.get("machineId").asText();
            } catch (java.io.IOException e) {
                throw new BadParameterException("body", "the body is not JSON: " + e.getMessage());
            }
        }
        if (machineId == null) {
            throw new BadParameterException("machineId", "name the machine: {\"machineId\": \"VM-ENG-01\"}");
        }
        DeviceRegistry.Issued issued = registry.register(machineId, Caller.name(exchange));
        return secretAnswer(issued);
    }

    public List<Map<String, Object>> list(Exchange exchange) throws SQLException {
        return registry.list().stream().map(DeviceRegistry::describe).toList();
    }

    public Map<String, Object> rotate(Exchange exchange) throws SQLException {
        return secretAnswer(registry.rotate(machineId(exchange)));
    }

    public Map<String, Object> revoke(Exchange exchange) throws SQLException {
        return DeviceRegistry.describe(registry.revoke(machineId(exchange), Caller.name(exchange)));
    }

    private static String machineId(Exchange exchange) {
        String machineId = exchange.getMessage().getHeader("machineId", String.class);
        if (machineId == null || !io.vendstream.http.Params.isMachineId(machineId)) {
            throw new NotFoundException("machineId", "no device " + machineId);
        }
        return machineId;
    }

    private static Map<String, Object> secretAnswer(DeviceRegistry.Issued issued) {
        return Map.of("machineId", issued.machineId(), "secret", issued.secret(),
                "note", "the secret is shown only now: store it in the machine (MQTT password, HTTP basic password)");
    }
}
