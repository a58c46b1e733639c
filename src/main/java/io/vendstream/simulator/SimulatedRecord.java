package io.vendstream.simulator;

/**
 * One Kafka record the simulator wants published: the key (the machine id, for per-machine
 * ordering), what it is for the metrics ({@code sale}, {@code restock}, {@code duplicate} or an
 * invalid kind such as {@code malformed_json}) and the payload Jackson marshals.
 */
public record SimulatedRecord(String key, String type, Object payload) {
}
