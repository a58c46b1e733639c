package io.vendstream.http;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;

/**
 * The time range a request asks about: {@code from} (inclusive) and {@code to} (exclusive),
 * defaulting to "today" in the campus time zone. Rollups are hourly and daily, so a range is
 * applied to whole buckets: an hour counts if it starts in the range, a day if any of it does.
 */
public record Window(Instant from, Instant to, ZoneId zone) {

    /** Reads {@code from} and {@code to}; without {@code from} the window starts at today's midnight. */
    public static Window of(Params params, ZoneId zone, Clock clock) {
        Instant from = params.instant("from");
        Instant to = params.instant("to");
        boolean defaultFrom = from == null;
        if (defaultFrom) {
            from = startOfToday(zone, clock);
        }
        if (to != null && !to.isAfter(from)) {
            throw new BadParameterException("to", "'to' must be later than 'from'"
                    + (defaultFrom ? " (today 00:00 campus time when 'from' is not given)" : ""));
        }
        return new Window(from, to, zone);
    }

    public static Instant startOfToday(ZoneId zone, Clock clock) {
        return LocalDate.now(clock.withZone(zone)).atStartOfDay(zone).toInstant();
    }

    /** The first hourly bucket in the window: the campus-time hour {@code from} falls in. */
    public Instant firstHour() {
        return from.atZone(zone).truncatedTo(ChronoUnit.HOURS).toInstant();
    }

    public LocalDate firstDay() {
        return from.atZone(zone).toLocalDate();
    }

    /** The last day touched by the window (inclusive), or null when open-ended. */
    public LocalDate lastDay() {
        return to == null ? null : to.minusNanos(1).atZone(zone).toLocalDate();
    }

    public String fromText() {
        return Json.time(from);
    }

    public String toText() {
        return to == null ? null : Json.time(to);
    }
}
