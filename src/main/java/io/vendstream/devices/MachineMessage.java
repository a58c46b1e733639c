package io.vendstream.devices;

/**
 * The headers with which the {@code machines-mqtt} endpoint hands a machine's message to its
 * route (routes/receive-machine-messages.camel.yaml). The route's beans take them off before
 * anything goes to Kafka.
 */
public final class MachineMessage {

    /** The machine the topic names. */
    public static final String MACHINE_ID = "MachineId";
    /** events, status or dex ({@link MachineTopic.Kind}, lower case). */
    public static final String KIND = "MachineMessageKind";
    /**
     * Who sent it: the machine id the device authenticated as (embedded endpoint), or the topic's
     * machine id when an external broker's access rules vouch for it.
     */
    public static final String DEVICE = "MachineDevice";
    /** The transport and the sender's address, e.g. {@code mqtt 10.0.4.17:51812}. */
    public static final String SOURCE = "MachineSource";
    /** When vendstream received it, epoch milliseconds. */
    public static final String RECEIVED_AT = "MachineReceivedAt";

    private MachineMessage() {
    }
}
