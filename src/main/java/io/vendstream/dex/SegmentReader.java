package io.vendstream.dex;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Turns raw segments into typed ones. Money and counters are read strictly (a bad number rejects the
 * read); dates and events are read leniently by {@link DexParser}, which keeps an unreadable one raw
 * with a finding, since a wrong clock or event code does not falsify any total.
 */
final class SegmentReader {

    /** Segments whose numbers only describe when and what happened, never how much. */
    static final Set<String> DESCRIPTIVE = Set.of("ID5", "PA5", "EA1", "EA2", "EA3", "EA7");

    private final int decimalPoint;

    SegmentReader(int decimalPoint) {
        this.decimalPoint = decimalPoint;
    }

    /** ID4's decimal point, read before anything else because every amount depends on it. */
    static int decimalPoint(RawSegment id4) throws DexFormatException {
        long dp = new Fields(id4, 0).count(1).orElseThrow(() -> new DexFormatException(
                DexFormatException.Reason.BAD_NUMBER, id4.line(), "ID4", "ID401 (decimal point position) is empty"));
        if (dp > 4) {
            // No currency in use has more than three minor digits; a larger value is a corrupt field.
            throw new DexFormatException(DexFormatException.Reason.BAD_NUMBER, id4.line(), "ID4",
                    "ID401 decimal point position " + dp + " is out of range 0..4");
        }
        return (int) dp;
    }

    DexSegment read(RawSegment raw) throws DexFormatException {
        Fields f = new Fields(raw, decimalPoint);
        int line = raw.line();
        return switch (raw.id()) {
            case "ID1" -> new DexSegment.MachineId(line, f.text(1), f.text(2), f.text(3), f.text(4), f.text(6));
            case "ID4" -> new DexSegment.Currency(line, decimalPoint(raw), f.optionalText(2), f.optionalText(3));
            case "ID5" -> new DexSegment.ReadTime(line, f.dateTime(1, 2));
            case "VA1", "VA2", "VA3" -> new DexSegment.VendTotals(line, raw.id(), f.money(1), f.count(2), f.money(3), f.count(4));
            case "PA1" -> new DexSegment.Selection(line, f.text(1), f.money(2), f.text(3));
            case "PA2", "PA4" -> new DexSegment.SelectionVends(line, raw.id(), f.count(1), f.money(2), f.count(3), f.money(4));
            case "PA5" -> new DexSegment.SelectionLastSale(line, f.dateTime(1, 2), f.count(3));
            case "PA7" -> new DexSegment.SelectionDeviceVends(line, f.text(1), f.text(2), f.text(3), f.money(4),
                    f.count(5), f.money(6), f.count(7), f.money(8));
            case "CA2" -> new DexSegment.CashSales(line, f.money(1), f.count(2), f.money(3), f.count(4));
            case "CA3" -> new DexSegment.CashIn(line, f.money(1), f.money(2), f.money(3), f.money(4),
                    f.money(5), f.money(6), f.money(7), f.money(8));
            case "CA4" -> new DexSegment.CashOut(line, f.money(1), f.money(2), f.money(3), f.money(4));
            case "CA15" -> tubeContents(raw, f);
            case "CA17" -> new DexSegment.CoinTube(line, f.text(1), f.money(2), f.count(3));
            case "DA1", "DB1" -> new DexSegment.CashlessReader(line, raw.id(), f.text(1), f.text(2), f.text(3));
            case "DA2", "DB2" -> new DexSegment.CashlessSales(line, raw.id(), f.money(1), f.count(2), f.money(3), f.count(4));
            case "EA1" -> new DexSegment.Event(line, f.text(1), f.dateTime(2, 3), rest(raw, 4));
            case "EA2" -> new DexSegment.EventCount(line, f.text(1), f.count(2), f.count(3), rest(raw, 4));
            case "EA3" -> new DexSegment.AuditReads(line, f.count(1), f.dateTime(2, 3), f.text(4), f.dateTime(5, 6),
                    f.text(7), f.count(9), f.count(10));
            case "EA7" -> new DexSegment.PowerOutages(line, f.count(1), f.count(2));
            default -> unknown(raw);
        };
    }

    static DexSegment.Unknown unknown(RawSegment raw) {
        return new DexSegment.Unknown(raw.line(), raw.id(), raw.fields());
    }

    private static DexSegment.TubeContents tubeContents(RawSegment raw, Fields f) throws DexFormatException {
        List<OptionalLong> coins = new ArrayList<>();
        for (int n = 3; n <= raw.fields().size(); n++) {
            coins.add(f.count(n));
        }
        return new DexSegment.TubeContents(raw.line(), f.money(1), f.text(2), List.copyOf(coins));
    }

    private static List<String> rest(RawSegment raw, int from) {
        return from - 1 < raw.fields().size() ? List.copyOf(raw.fields().subList(from - 1, raw.fields().size())) : List.of();
    }
}
