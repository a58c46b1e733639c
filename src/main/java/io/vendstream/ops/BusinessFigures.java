package io.vendstream.ops;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

/**
 * The business figures as the database holds them, so they are the same whichever instance is
 * asked and survive restarts: the ingest counters per topic, rejections by reason, the
 * latency histograms (non-cumulative counts per bucket, summed over all minutes: the pipeline's,
 * received to committed, and the devices' delay, occurredAt to received) and
 * the open stock alerts, and the revenue of the stored sales per location (from the daily rollup).
 */
public record BusinessFigures(List<TopicCounts> topics, List<Rejections> rejections, Map<Integer, Long> latencyBuckets,
                              Map<Integer, Long> deviceDelayBuckets,
                              long stockOuts, long lowStock, Map<String, Double> revenueByLocation) {

    public record TopicCounts(String topic, long consumed, long stored, long duplicates, long rejected) {
    }

    public record Rejections(String topic, String reason, long count) {
    }

    /** Upper bounds of latency_minute.le_ms (milliseconds); -1 is +Inf. */
    public static final int[] LATENCY_BOUNDS_MS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, -1};

    public static BusinessFigures read(DataSource dataSource, int lowStockUnits) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setReadOnly(true);
            List<TopicCounts> topics = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select topic, sum(consumed), sum(stored), sum(duplicates), "
                    + "sum(rejected) from ingest_partitions group by topic order by topic");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    topics.add(new TopicCounts(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
                }
            }
            List<Rejections> rejections = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select topic, reason, sum(count) from rejected_counts "
                    + "group by topic, reason order by topic, reason");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rejections.add(new Rejections(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
            Map<Integer, Long> latency = new TreeMap<>();
            Map<Integer, Long> deviceDelay = new TreeMap<>();
            try (PreparedStatement st = c.prepareStatement("select stage, le_ms, sum(count) from latency_minute group by stage, le_ms");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ("device".equals(rs.getString(1)) ? deviceDelay : latency).put(rs.getInt(2), rs.getLong(3));
                }
            }
            long out;
            long low;
            try (PreparedStatement st = c.prepareStatement("select count(*) filter (where quantity <= 0), "
                    + "count(*) filter (where quantity > 0 and quantity <= ?) from stock")) {
                st.setInt(1, lowStockUnits);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    out = rs.getLong(1);
                    low = rs.getLong(2);
                }
            }
            Map<String, Double> revenue = new TreeMap<>();
            try (PreparedStatement st = c.prepareStatement("select location, sum(revenue) from sales_daily_payment group by location");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    revenue.put(rs.getString(1), rs.getDouble(2));
                }
            }
            return new BusinessFigures(topics, rejections, latency, deviceDelay, out, low, revenue);
        }
    }
}
