package io.vendstream.queries;

import java.util.Map;

import io.vendstream.http.Json;

/** {@code /api/config}: the settings the dashboard page needs, so it has none of its own. */
public final class ApiConfig {

    private final Map<String, Object> config;

    public ApiConfig(int pollIntervalMillis, String timezone, String currency, int lowStockUnits, int silentAfterSeconds) {
        this.config = Json.object(
                "pollIntervalMs", pollIntervalMillis,
                "timezone", timezone,
                "currency", currency,
                "lowStockUnits", lowStockUnits,
                "silentAfterSeconds", silentAfterSeconds);
    }

    public Map<String, Object> config() {
        return config;
    }
}
