package io.vendstream.simulator;

import java.time.Clock;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.spi.PropertiesComponent;

/**
 * Builds the simulator beans the route uses ({@code vendingSimulator}, {@code simulatorMetrics})
 * from the {@code vendstream.simulator.*} properties. Found by camel-main's package scan.
 */
@Configuration
public final class SimulatorConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        PropertiesComponent pc = context.getPropertiesComponent();
        ZoneId zone = ZoneId.of(get(pc, "vendstream.timezone", "Asia/Jakarta"));
        String seedText = get(pc, "vendstream.simulator.seed", "");
        long seed = seedText.isEmpty() ? new Random().nextLong() : parseLong("vendstream.simulator.seed", seedText);
        Random random = new Random(seed);

        Fleet fleet = FleetFile.load(get(pc, "vendstream.simulator.fleet-file", "config/fleet.yaml"));
        FleetSimulator model = new FleetSimulator(fleet, random, zone);
        EventSource source = new EventSource(model, faults(pc), random);
        SimulatorSettings settings = new SimulatorSettings(
                SimulatorSettings.Mode.parse(get(pc, "vendstream.simulator.mode", "normal")),
                parseDouble("vendstream.simulator.events-per-second", get(pc, "vendstream.simulator.events-per-second", "10")),
                parseLong("vendstream.simulator.period", get(pc, "vendstream.simulator.period", "200")),
                Boolean.parseBoolean(get(pc, "vendstream.simulator.follow-campus-day", "false")),
                (int) parseLong("vendstream.simulator.burst-count", get(pc, "vendstream.simulator.burst-count", "100000")),
                (int) parseLong("vendstream.simulator.backfill-days", get(pc, "vendstream.simulator.backfill-days", "0")),
                seed);

        context.getRegistry().bind("simulatorMetrics", new SimulatorMetrics(context));
        context.getRegistry().bind("vendingSimulator", new VendingSimulator(source, settings, Clock.system(zone)));
    }

    static Faults faults(PropertiesComponent pc) {
        String prefix = "vendstream.simulator.faults.";
        Map<InvalidKind, Double> invalid = new EnumMap<>(InvalidKind.class);
        for (InvalidKind kind : InvalidKind.values()) {
            String key = prefix + kind.propertyName() + "-fraction";
            invalid.put(kind, parseDouble(key, get(pc, key, "0")));
        }
        String duplicates = prefix + "duplicate-fraction";
        return new Faults(parseDouble(duplicates, get(pc, duplicates, "0")), invalid);
    }

    private static String get(PropertiesComponent pc, String key, String fallback) {
        return pc.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty()).orElse(fallback);
    }

    private static long parseLong(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Property " + key + " must be a whole number, not '" + value + "'");
        }
    }

    private static double parseDouble(String key, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Property " + key + " must be a number, not '" + value + "'");
        }
    }
}
