package io.vendstream.http;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** How values look in the API's JSON: ISO-8601 UTC timestamps, money with two decimals. */
public final class Json {

    private Json() {
    }

    public static String time(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    public static String time(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : time(value.toInstant());
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    public static BigDecimal money(BigDecimal value) {
        return (value == null ? BigDecimal.ZERO : value).setScale(2, RoundingMode.HALF_UP);
    }

    public static BigDecimal money(ResultSet rs, String column) throws SQLException {
        return money(rs.getBigDecimal(column));
    }

    /** revenue / count with two decimals, 0.00 when there is nothing to divide. */
    public static BigDecimal average(BigDecimal revenue, long count) {
        return count == 0 ? money(BigDecimal.ZERO) : revenue.divide(BigDecimal.valueOf(count), 2, RoundingMode.HALF_UP);
    }

    /** An insertion-ordered map, so fields appear in the order the code lists them. */
    public static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
