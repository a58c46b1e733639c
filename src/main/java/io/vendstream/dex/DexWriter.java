package io.vendstream.dex;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a DEX audit read from counters, so a machine simulator can produce the files a real
 * controller would: DXS, ST, ID1, ID4, ID5, VA1, PA1 + PA2 per selection, CA2, DA2, EA3, G85, SE,
 * DXE, with CR LF line ends, SE's segment count and the G85 CRC computed as {@link DexParser} checks them.
 */
public final class DexWriter {

    /** DXS01, the sender's communication id: a three-letter manufacturer code and seven digits. */
    private static final String COMMUNICATION_ID = "VST0000001";
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HHmmss");

    /** A number of vends and their value in currency units. */
    public record Sales(long vends, BigDecimal value) {
        public static final Sales NONE = new Sales(0, BigDecimal.ZERO);
    }

    /** One selection's paid vends (PA1 + PA2). */
    public record Selection(String selection, String productId, BigDecimal price, Sales sinceInit, Sales sinceReset) {
    }

    /** Everything one audit read states. paid is VA1; it is written as given, so a simulator can also make it disagree. */
    public record Audit(String machineSerial, String model, String assetNumber, int decimalPoint,
                        String currencyNumericCode, String currencyAlphaCode, LocalDateTime readTime,
                        Sales paidSinceInit, Sales paidSinceReset, Sales cashSinceInit, Sales cashSinceReset,
                        Sales cashlessSinceInit, Sales cashlessSinceReset, List<Selection> selections,
                        long readsSinceInit) {
    }

    private DexWriter() {
    }

    /**
     * An audit whose VA1 is CA2 + DA2 and whose selections carry those sales, as a sound machine reports.
     */
    public static Audit consistentAudit(String machineSerial, LocalDateTime readTime, List<Selection> selections,
                                        Sales cashSinceInit, Sales cashSinceReset,
                                        Sales cashlessSinceInit, Sales cashlessSinceReset, long readsSinceInit) {
        return new Audit(machineSerial, "VST-SIM", machineSerial, 2, "1978", "EUR", readTime,
                plus(cashSinceInit, cashlessSinceInit), plus(cashSinceReset, cashlessSinceReset),
                cashSinceInit, cashSinceReset, cashlessSinceInit, cashlessSinceReset, selections, readsSinceInit);
    }

    private static Sales plus(Sales a, Sales b) {
        return new Sales(a.vends() + b.vends(), a.value().add(b.value()));
    }

    /** The file's text; every character is ASCII. */
    public static String write(Audit audit) {
        int dp = audit.decimalPoint();
        if (dp < 0 || dp > 4) {
            throw new IllegalArgumentException("decimal point " + dp + " is out of range 0..4");
        }
        List<String> set = new ArrayList<>();
        set.add("ST*001*0001");
        set.add(join("ID1", text(audit.machineSerial()), text(audit.model()), "", "", "", text(audit.assetNumber())));
        set.add(join("ID4", Integer.toString(dp), text(audit.currencyNumericCode()), text(audit.currencyAlphaCode())));
        set.add(join("ID5", DATE.format(audit.readTime()), TIME.format(audit.readTime())));
        set.add(join("VA1", units(audit.paidSinceInit().value(), dp), count(audit.paidSinceInit().vends()),
                units(audit.paidSinceReset().value(), dp), count(audit.paidSinceReset().vends())));
        for (Selection s : audit.selections()) {
            set.add(join("PA1", text(s.selection()), units(s.price(), dp), text(s.productId())));
            set.add(join("PA2", count(s.sinceInit().vends()), units(s.sinceInit().value(), dp),
                    count(s.sinceReset().vends()), units(s.sinceReset().value(), dp)));
        }
        set.add(join("CA2", units(audit.cashSinceInit().value(), dp), count(audit.cashSinceInit().vends()),
                units(audit.cashSinceReset().value(), dp), count(audit.cashSinceReset().vends())));
        set.add(join("DA2", units(audit.cashlessSinceInit().value(), dp), count(audit.cashlessSinceInit().vends()),
                units(audit.cashlessSinceReset().value(), dp), count(audit.cashlessSinceReset().vends())));
        set.add(join("EA3", count(audit.readsSinceInit()), DATE.format(audit.readTime()), TIME.format(audit.readTime())));

        StringBuilder covered = new StringBuilder();
        set.forEach(segment -> covered.append(segment).append("\r\n"));
        String g85 = "G85*" + G85Crc.hex(G85Crc.crc16(covered));
        // SE counts ST through SE: the set so far, G85 and SE itself.
        String se = "SE*" + (set.size() + 2) + "*0001";

        return "DXS*" + COMMUNICATION_ID + "*VA*V1/1*1\r\n" + covered + g85 + "\r\n" + se + "\r\n" + "DXE*1*1\r\n";
    }

    private static String join(String id, String... fields) {
        return id + "*" + String.join("*", fields);
    }

    /** Text must not carry the field separator or a line end, or the file would change shape. */
    private static String text(String value) {
        if (value == null) {
            return "";
        }
        if (value.chars().anyMatch(c -> c == '*' || c < 0x20 || c > 0x7E)) {
            throw new IllegalArgumentException("'" + value + "' holds '*', a control or a non-ASCII character");
        }
        return value;
    }

    private static String count(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("counter " + value + " is negative");
        }
        return Long.toString(value);
    }

    /** Money as DEX writes it: an integer of minor units. A value finer than the decimal point is refused, not rounded. */
    private static String units(BigDecimal value, int dp) {
        if (value == null) {
            return "";
        }
        BigDecimal minor = value.movePointRight(dp);
        try {
            return count(minor.setScale(0, RoundingMode.UNNECESSARY).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(value + " cannot be written with " + dp + " decimals", e);
        }
    }
}
