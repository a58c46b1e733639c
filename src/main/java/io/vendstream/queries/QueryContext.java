package io.vendstream.queries;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;

import javax.sql.DataSource;

/**
 * What every read model behind the API shares: the database, the campus time zone, the answer
 * caches and the fleet-wide API settings. Declared once in routes/api-beans.camel.yaml, each value
 * by name from application.properties ("API and dashboard"), and handed to the query beans whole,
 * so a bean's declaration names what is its own and nothing else.
 */
public final class QueryContext {

    private DataSource dataSource;
    private ZoneId zone;
    private AnswerCache answers;
    private AnswerCache heatmapAnswers;
    private Duration silentAfter;
    private int lowStockUnits;
    private String currency;
    private Duration latencyWindow;
    private int pollIntervalMillis;

    public DataSource dataSource() {
        return dataSource;
    }

    public ZoneId zone() {
        return zone;
    }

    /** Answers reused for vendstream.api.cache-millis. */
    public AnswerCache answers() {
        return answers;
    }

    /** The four-week heatmap's answers, reused for vendstream.api.heatmap-cache-seconds. */
    public AnswerCache heatmapAnswers() {
        return heatmapAnswers;
    }

    /** A machine is silent after this long without an event (vendstream.api.silent-after-seconds). */
    public Duration silentAfter() {
        return silentAfter;
    }

    public int lowStockUnits() {
        return lowStockUnits;
    }

    public String currency() {
        return currency;
    }

    public Duration latencyWindow() {
        return latencyWindow;
    }

    public int pollIntervalMillis() {
        return pollIntervalMillis;
    }

    public Clock clock() {
        return Clock.systemUTC();
    }

    // set by name from the beans file

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setTimezone(String timezone) {
        this.zone = ZoneId.of(timezone.trim());
    }

    public void setAnswers(AnswerCache answers) {
        this.answers = answers;
    }

    public void setHeatmapAnswers(AnswerCache heatmapAnswers) {
        this.heatmapAnswers = heatmapAnswers;
    }

    public void setSilentAfterSeconds(int seconds) {
        this.silentAfter = Duration.ofSeconds(seconds);
    }

    public void setLowStockUnits(int lowStockUnits) {
        this.lowStockUnits = lowStockUnits;
    }

    public void setCurrency(String currency) {
        this.currency = currency;
    }

    public void setLatencyWindowMinutes(int minutes) {
        this.latencyWindow = Duration.ofMinutes(minutes);
    }

    public void setPollIntervalMillis(int pollIntervalMillis) {
        this.pollIntervalMillis = pollIntervalMillis;
    }
}
