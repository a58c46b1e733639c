package io.vendstream.devices;

import java.util.Optional;

import io.vendstream.http.Params;

/**
 * A machine's MQTT topic: {@code vendstream/machines/{machineId}/{kind}} with kind {@code events}
 * (one event JSON or a JSON array of events), {@code status} ({@code online} / {@code offline},
 * the device's last will) or {@code dex} (a DEX/EVA-DTS audit read). Nothing else is a topic a
 * machine may publish on.
 */
public record MachineTopic(String machineId, Kind kind) {

    public static final String ROOT = "vendstream/machines/";

    public enum Kind {
        EVENTS, STATUS, DEX;

        String segment() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static Optional<MachineTopic> parse(String topic) {
        if (topic == null || !topic.startsWith(ROOT)) {
            return Optional.empty();
        }
        String rest = topic.substring(ROOT.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || rest.indexOf('/', slash + 1) >= 0) {
            return Optional.empty();
        }
        String machineId = rest.substring(0, slash);
        if (!Params.isMachineId(machineId)) {
            return Optional.empty();
        }
        for (Kind kind : Kind.values()) {
            if (kind.segment().equals(rest.substring(slash + 1))) {
                return Optional.of(new MachineTopic(machineId, kind));
            }
        }
        return Optional.empty();
    }

    public static String of(String machineId, Kind kind) {
        return ROOT + machineId + "/" + kind.segment();
    }

    /** The machine's own subtree, {@code vendstream/machines/{machineId}/#}. */
    public static String subtree(String machineId) {
        return ROOT + machineId + "/#";
    }

    /**
     * Whether a subscription filter stays within the machine's own subtree: no wildcard may stand
     * where the machine id is, and nothing may reach above it.
     */
    public static boolean withinOwnTree(String filter, String machineId) {
        String own = ROOT + machineId;
        return filter.equals(own + "/#") || filter.startsWith(own + "/") && !filter.substring(own.length() + 1).isEmpty();
    }

    @Override
    public String toString() {
        return of(machineId, kind);
    }
}
