package io.vendstream.restock;

import java.time.Duration;

/**
 * The restock planning settings ("Restock planning" in application.properties, docs/restock.md),
 * declared by name in routes/api-beans.camel.yaml and shared by the forecast, the plan and the
 * low-stock projection.
 */
public final class RestockSettings {

    private int historyDays;
    private Duration modelRefresh;
    private int defaultHorizonHours;
    private int windowHours;
    private int visitStartHour;
    private int visitEndHour;
    private double safetyFactor;

    /** Days of history the forecast learns from (vendstream.restock.history-days). */
    public int historyDays() {
        return historyDays;
    }

    public Duration modelRefresh() {
        return modelRefresh;
    }

    public int defaultHorizonHours() {
        return defaultHorizonHours;
    }

    public int windowHours() {
        return windowHours;
    }

    public int visitStartHour() {
        return visitStartHour;
    }

    public int visitEndHour() {
        return visitEndHour;
    }

    public double safetyFactor() {
        return safetyFactor;
    }

    // set by name from the beans file

    public void setHistoryDays(int historyDays) {
        this.historyDays = historyDays;
    }

    public void setModelRefreshSeconds(int seconds) {
        this.modelRefresh = Duration.ofSeconds(seconds);
    }

    public void setDefaultHorizonHours(int defaultHorizonHours) {
        this.defaultHorizonHours = defaultHorizonHours;
    }

    public void setWindowHours(int windowHours) {
        this.windowHours = windowHours;
    }

    public void setVisitStartHour(int visitStartHour) {
        this.visitStartHour = visitStartHour;
    }

    public void setVisitEndHour(int visitEndHour) {
        this.visitEndHour = visitEndHour;
    }

    public void setSafetyFactor(double safetyFactor) {
        this.safetyFactor = safetyFactor;
    }
}
