package io.vendstream.simulator;

import java.util.EnumMap;
import java.util.Map;

/**
 * The Simulator group of application.properties as routes/simulator-beans.camel.yaml declares it,
 * each setting by name (a setter per key), from which {@link VendingSimulator#from(SimulatorSetup)}
 * builds the simulator. Fault fractions are set per kind, by the kind's property name.
 */
public final class SimulatorSetup {

    private String fleetFile;
    private String timezone;
    private String seed = "";
    private String mode = "campus";
    private String brokers = "";
    private String topic = "";
    private double eventsPerSecond;
    private long periodMillis;
    private boolean followCampusDay;
    private int burstCount;
    private int backfillDays;
    private double duplicateFraction;
    private final Map<InvalidKind, Double> invalidFractions = new EnumMap<>(InvalidKind.class);
    private boolean dexAudits;
    private double eventLossFraction;

    String fleetFile() {
        return fleetFile;
    }

    String timezone() {
        return timezone;
    }

    String seed() {
        return seed;
    }

    String mode() {
        return mode;
    }

    double eventsPerSecond() {
        return eventsPerSecond;
    }

    long periodMillis() {
        return periodMillis;
    }

    boolean followCampusDay() {
        return followCampusDay;
    }

    int burstCount() {
        return burstCount;
    }

    int backfillDays() {
        return backfillDays;
    }

    Faults faults() {
        return new Faults(duplicateFraction, invalidFractions);
    }

    boolean dexAudits() {
        return dexAudits;
    }

    double eventLossFraction() {
        return eventLossFraction;
    }

    // set by name from the beans file

    public void setFleetFile(String fleetFile) {
        this.fleetFile = fleetFile.trim();
    }

    public void setTimezone(String timezone) {
        this.timezone = timezone.trim();
    }

    /** Empty: a seed of its own, logged at the first tick so the run can be repeated. */
    public void setSeed(String seed) {
        this.seed = seed == null ? "" : seed.trim();
    }

    public void setMode(String mode) {
        this.mode = mode;
    }

    public void setEventsPerSecond(double eventsPerSecond) {
        this.eventsPerSecond = eventsPerSecond;
    }

    public void setPeriodMillis(long periodMillis) {
        this.periodMillis = periodMillis;
    }

    public void setFollowCampusDay(boolean followCampusDay) {
        this.followCampusDay = followCampusDay;
    }

    public void setBurstCount(int burstCount) {
        this.burstCount = burstCount;
    }

    public void setBackfillDays(int backfillDays) {
        this.backfillDays = backfillDays;
    }

    /** The Kafka brokers and the events topic: history is backfilled only while the topic is empty. */
    public void setBrokers(String brokers) {
        this.brokers = brokers;
    }

    public void setTopic(String topic) {
        this.topic = topic;
    }

    String brokers() {
        return brokers;
    }

    String topic() {
        return topic;
    }

    public void setDuplicateFraction(double fraction) {
        this.duplicateFraction = fraction;
    }

    public void setMalformedJsonFraction(double fraction) {
        invalidFractions.put(InvalidKind.MALFORMED_JSON, fraction);
    }

    public void setMissingFieldFraction(double fraction) {
        invalidFractions.put(InvalidKind.MISSING_FIELD, fraction);
    }

    public void setNegativePriceFraction(double fraction) {
        invalidFractions.put(InvalidKind.NEGATIVE_PRICE, fraction);
    }

    public void setFutureTimestampFraction(double fraction) {
        invalidFractions.put(InvalidKind.FUTURE_TIMESTAMP, fraction);
    }

    public void setWrongTypeFraction(double fraction) {
        invalidFractions.put(InvalidKind.WRONG_TYPE, fraction);
    }

    public void setOversizeFraction(double fraction) {
        invalidFractions.put(InvalidKind.OVERSIZE, fraction);
    }

    public void setNotAnObjectFraction(double fraction) {
        invalidFractions.put(InvalidKind.NOT_AN_OBJECT, fraction);
    }

    public void setDexAudits(boolean dexAudits) {
        this.dexAudits = dexAudits;
    }

    public void setEventLossFraction(double eventLossFraction) {
        this.eventLossFraction = eventLossFraction;
    }
}
