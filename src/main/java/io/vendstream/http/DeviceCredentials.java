package io.vendstream.http;

/**
 * Checks a machine's own credentials (its machine id and secret) for the HTTP access gate: a
 * machine signed in as itself may post its own events and nothing else. The device registry
 * implements it; the gate finds it by the bean name {@value #BEAN}.
 */
public interface DeviceCredentials {

    String BEAN = "deviceRegistry";

    boolean authenticate(String machineId, String secret);
}
