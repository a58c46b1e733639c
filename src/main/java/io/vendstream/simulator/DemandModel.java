package io.vendstream.simulator;

import java.time.DayOfWeek;
import java.time.ZonedDateTime;
import java.util.List;

import io.vendstream.simulator.Fleet.Location;
import io.vendstream.simulator.Fleet.Machine;
import io.vendstream.simulator.Fleet.Product;

/**
 * How much students buy, where and what, at a given campus time: the location's profile for
 * the hour (weekday or weekend) times its traffic, and per product its popularity times the
 * location's taste for the category times the category's appeal at that hour.
 */
public final class DemandModel {

    private final Fleet fleet;
    private final List<Machine> machines;
    private final double peakFleetSalesPerHour;

    public DemandModel(Fleet fleet) {
        this.fleet = fleet;
        this.machines = fleet.machines();
        double peak = 0;
        for (int weekend = 0; weekend <= 1; weekend++) {
            for (int hour = 0; hour < 24; hour++) {
                peak = Math.max(peak, fleetSalesPerHour(hour, weekend == 1));
            }
        }
        this.peakFleetSalesPerHour = peak;
    }

    public static boolean isWeekend(ZonedDateTime time) {
        DayOfWeek day = time.getDayOfWeek();
        return day == DayOfWeek.SATURDAY || day == DayOfWeek.SUNDAY;
    }

    /** Expected sales per hour of one machine at this campus time. */
    public double salesPerHour(Machine machine, ZonedDateTime time) {
        return salesPerHour(machine.location(), time.getHour(), isWeekend(time));
    }

    public double salesPerHour(Location location, int hour, boolean weekend) {
        return fleet.peakSalesPerMachineHour() * location.traffic() * fleet.profile(location).at(hour, weekend);
    }

    /** Expected sales per hour across the whole fleet. */
    public double fleetSalesPerHour(ZonedDateTime time) {
        return fleetSalesPerHour(time.getHour(), isWeekend(time));
    }

    private double fleetSalesPerHour(int hour, boolean weekend) {
        double sum = 0;
        for (Machine m : machines) {
            sum += salesPerHour(m.location(), hour, weekend);
        }
        return sum;
    }

    /** The busiest hour of the week across the fleet; the live rate can be scaled against it. */
    public double peakFleetSalesPerHour() {
        return peakFleetSalesPerHour;
    }

    /** How likely a student at this location and hour picks this product (relative weight). */
    public double productWeight(Location location, Product product, int hour) {
        double weight = product.popularity() * location.preference(product.category());
        if (fleet.hourlyMix() != null) {
            for (Fleet.HourlyMix mix : fleet.hourlyMix()) {
                if (mix.category().equals(product.category()) && mix.hours().contains(hour)) {
                    weight *= mix.factor();
                }
            }
        }
        return weight;
    }
}
