package io.vendstream.bench;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * A compact, deterministic campus fleet for the benchmark: 60 machines in 12 faculties and
 * buildings, 20 products at IDR prices, per-slot stock that sells down and is restocked, and a
 * controlled share of exact re-sends (duplicates) and broken events (invalid), so that the set
 * a correct ingest must store is known in advance ({@link Expected}).
 */
final class CampusEvents {

    static final String[] LOCATIONS = {
            "Faculty of Engineering", "Faculty of Medicine", "Faculty of Law", "Faculty of Economics and Business",
            "Faculty of Computer Science", "Faculty of Social and Political Sciences", "Central Library",
            "Student Center", "Rectorate", "Faculty of Mathematics and Natural Sciences", "Faculty of Psychology",
            "Sports Hall"};

    record Product(String name, String category, BigDecimal price) {
    }

    static final Product[] PRODUCTS = {
            product("Aqua 600ml", "drink", "4000"), product("Teh Botol Sosro 450ml", "drink", "5000"),
            product("Pocari Sweat 500ml", "drink", "8500"), product("Coca-Cola 390ml", "drink", "7000"),
            product("Fruit Tea 500ml", "drink", "6000"), product("Good Day Cappuccino", "drink", "8000"),
            product("Ultra Milk Coklat 250ml", "drink", "6500"), product("Floridina Orange", "drink", "4500"),
            product("Chitato 68g", "snack", "11500"), product("Qtela Singkong", "snack", "9000"),
            product("Beng-Beng", "snack", "3500"), product("SilverQueen 55g", "snack", "16000"),
            product("Oreo Vanilla", "snack", "8500"), product("Tango Wafer", "snack", "5500"),
            product("Sari Roti Coklat", "food", "6000"), product("Pop Mie Ayam", "food", "8000"),
            product("Onigiri Tuna Mayo", "food", "12500"), product("Nasi Kepal Ayam", "food", "15000"),
            product("Indomie Cup Soto", "food", "7500"), product("Masker Medis", "other", "2500")};

    static final String[] PAYMENTS = {"qris", "qris", "qris", "qris", "ewallet", "ewallet", "ewallet", "cash", "cash",
            "card"};

    static final int MACHINES = 60;
    static final int CAPACITY = 12;

    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");
    private static final ZoneOffset CAMPUS_OFFSET = ZoneOffset.ofHours(7);
    private static final int RECENT = 1024;

    /** One record to publish: its key (machineId), its bytes, and what a correct ingest does with it. */
    record Draft(byte[] key, byte[] value, Kind kind) {
    }

    enum Kind { SALE, RESTOCK, DUPLICATE, INVALID }

    /** What the published stream must leave in the database. */
    static final class Expected {
        long records;
        long sales;
        long restocks;
        long duplicates;
        long invalid;
        BigDecimal revenue = BigDecimal.ZERO;

        Map<String, Object> toMap() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("records", records);
            m.put("sales", sales);
            m.put("restocks", restocks);
            m.put("duplicates", duplicates);
            m.put("invalid", invalid);
            m.put("revenueIdr", revenue.toPlainString());
            return m;
        }
    }

    private final SplittableRandom random;
    private final double duplicateShare;
    private final double invalidShare;
    private final String[] machineIds = new String[MACHINES];
    private final String[] machineLocations = new String[MACHINES];
    private final Map<Integer, Integer> levels = new HashMap<>();
    private final List<Draft> recent = new ArrayList<>(RECENT);
    private final Expected expected = new Expected();
    private int invalidKind;

    CampusEvents(long seed, double duplicateShare, double invalidShare) {
        this.random = new SplittableRandom(seed);
        this.duplicateShare = duplicateShare;
        this.invalidShare = invalidShare;
        for (int m = 0; m < MACHINES; m++) {
            String location = LOCATIONS[m % LOCATIONS.length];
            machineLocations[m] = location;
            machineIds[m] = "VM-" + initials(location) + "-" + String.format("%02d", m / LOCATIONS.length + 1);
        }
    }

    Expected expected() {
        return expected;
    }

    /** The next record of the stream, dated {@code occurredAt}. */
    Draft next(Instant occurredAt) {
        double roll = random.nextDouble();
        Draft draft;
        if (roll < duplicateShare && !recent.isEmpty()) {
            Draft original = recent.get(random.nextInt(recent.size()));
            draft = new Draft(original.key(), original.value(), Kind.DUPLICATE);
            expected.duplicates++;
        } else if (roll < duplicateShare + invalidShare) {
            draft = invalid(occurredAt);
            expected.invalid++;
        } else {
            draft = valid(occurredAt);
            if (recent.size() < RECENT) {
                recent.add(draft);
            } else {
                recent.set(random.nextInt(RECENT), draft);
            }
        }
        expected.records++;
        return draft;
    }

    /** A valid sale (or the restock its slot needs first), never a duplicate or a broken event. */
    Draft nextValid(Instant occurredAt) {
        expected.records++;
        return valid(occurredAt);
    }

    private Draft valid(Instant occurredAt) {
        int machine = random.nextInt(MACHINES);
        int product = random.nextInt(PRODUCTS.length);
        int slot = machine * PRODUCTS.length + product;
        int level = levels.computeIfAbsent(slot, s -> CAPACITY);
        int quantity = random.nextInt(10) == 0 ? 2 : 1;
        if (level < quantity) {
            levels.put(slot, CAPACITY);
            expected.restocks++;
            return draft(json(UUID.randomUUID(), "restock", machine, product, CAPACITY - level, null, CAPACITY, occurredAt),
                    machine, Kind.RESTOCK);
        }
        levels.put(slot, level - quantity);
        String payment = PAYMENTS[random.nextInt(PAYMENTS.length)];
        expected.sales++;
        expected.revenue = expected.revenue.add(PRODUCTS[product].price().multiply(BigDecimal.valueOf(quantity)));
        return draft(json(UUID.randomUUID(), "sale", machine, product, quantity, payment, level - quantity, occurredAt),
                machine, Kind.SALE);
    }

    /** The ways real devices get it wrong, in turn: each must be dead-lettered with its reason. */
    private Draft invalid(Instant occurredAt) {
        int machine = random.nextInt(MACHINES);
        int product = random.nextInt(PRODUCTS.length);
        String ok = json(UUID.randomUUID(), "sale", machine, product, 1, "qris", 5, occurredAt);
        String body = switch (invalidKind++ % 5) {
            case 0 -> ok.substring(0, ok.length() / 2);                                    // truncated: MALFORMED_JSON
            case 1 -> ok.replace("\"quantity\":1", "\"quantity\":0");                      // SCHEMA_VIOLATION
            case 2 -> ok.replace(",\"paymentMethod\":\"qris\"", "");                       // SCHEMA_VIOLATION
            case 3 -> json(UUID.randomUUID(), "sale", machine, product, 1, "qris", 5,
                    occurredAt.plusSeconds(86_400L * 365));                               // FUTURE_TIMESTAMP
            default -> "[" + ok + "]";                                                     // NOT_AN_OBJECT
        };
        return draft(body, machine, Kind.INVALID);
    }

    private Draft draft(String json, int machine, Kind kind) {
        return new Draft(machineIds[machine].getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8), kind);
    }

    private String json(UUID id, String type, int machine, int product, int quantity, String payment, int stockAfter,
                        Instant occurredAt) {
        Product p = PRODUCTS[product];
        StringBuilder b = new StringBuilder(360)
                .append("{\"eventId\":\"").append(id)
                .append("\",\"type\":\"").append(type)
                .append("\",\"machineId\":\"").append(machineIds[machine])
                .append("\",\"location\":\"").append(machineLocations[machine])
                .append("\",\"product\":\"").append(p.name())
                .append("\",\"category\":\"").append(p.category()).append('"');
        if (payment != null) {
            b.append(",\"unitPrice\":").append(p.price().toPlainString()).append(",\"currency\":\"IDR\"");
        }
        b.append(",\"quantity\":").append(quantity);
        if (payment != null) {
            b.append(",\"paymentMethod\":\"").append(payment).append('"');
        }
        return b.append(",\"stockAfter\":").append(stockAfter)
                .append(",\"occurredAt\":\"").append(RFC3339.format(occurredAt.atOffset(CAMPUS_OFFSET)))
                .append("\"}").toString();
    }

    String machineId(int m) {
        return machineIds[m];
    }

    String location(int m) {
        return machineLocations[m];
    }

    private static Product product(String name, String category, String price) {
        return new Product(name, category, new BigDecimal(price));
    }

    private static String initials(String location) {
        StringBuilder b = new StringBuilder();
        for (String word : location.split(" ")) {
            if (!word.equals("of") && !word.equals("and") && !word.isEmpty()) {
                b.append(word.charAt(0));
            }
        }
        return b.toString();
    }
}
