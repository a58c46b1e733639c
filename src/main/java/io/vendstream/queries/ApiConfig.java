package io.vendstream.queries;

import java.util.Map;

import io.vendstream.http.Json;

/** {@code /api/config}: the settings the dashboard page needs, so it has none of its own. */
public final class ApiConfig {

    private final Map<String, Object> config;

    public ApiConfig(QueryContext context) {
        this.config = Json.object(
                "pollIntervalMs", context.pollIntervalMillis(),
                "timezone", context.zone().getId(),
                "currency", context.currency(),
                "lowStockUnits", context.lowStockUnits(),
                "silentAfterSeconds", context.silentAfter().toSeconds());
    }

    public Map<String, Object> config() {
        return config;
    }
}
