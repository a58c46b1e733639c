package io.vendstream.dex;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

import io.vendstream.dex.DexFormatException.Reason;

/**
 * Builds a {@link DexRead} from the typed top-level segments: picks the totals, groups PA segments
 * under their PA1, and records what does not add up as findings.
 */
final class ReadAssembler {

    /** Totals that must appear once: two VA1s would leave us guessing which one the machine meant. */
    private static final List<String> SINGLE = List.of("ID1", "ID4", "VA1", "VA2", "VA3", "CA2", "CA3", "CA4",
            "CA15", "DA2", "DB2");

    private final int decimalPoint;
    private final List<DexSegment> segments;
    private final List<DexFinding> findings;
    private final Map<String, DexSegment> single = new LinkedHashMap<>();

    ReadAssembler(int decimalPoint, List<DexSegment> segments, List<DexFinding> findings) {
        this.decimalPoint = decimalPoint;
        this.segments = segments;
        this.findings = findings;
    }

    DexRead assemble(boolean complete, boolean crcVerified) throws DexFormatException {
        for (DexSegment s : segments) {
            if (SINGLE.contains(s.id()) && !(s instanceof DexSegment.Unknown)) {
                DexSegment first = single.putIfAbsent(s.id(), s);
                if (first != null) {
                    throw new DexFormatException(Reason.BAD_STRUCTURE, s.line(), s.id(),
                            "a second " + s.id() + " (the first is at line " + first.line() + ")");
                }
            }
        }
        Optional<DexSegment.MachineId> id1 = one("ID1", DexSegment.MachineId.class);
        Optional<DexSegment.Currency> id4 = one("ID4", DexSegment.Currency.class);
        Optional<DexSegment.VendTotals> va1 = one("VA1", DexSegment.VendTotals.class);
        Optional<DexSegment.CashSales> ca2 = one("CA2", DexSegment.CashSales.class);
        Optional<DexSegment.CashlessSales> da2 = one("DA2", DexSegment.CashlessSales.class);
        Optional<DexSegment.CashlessSales> db2 = one("DB2", DexSegment.CashlessSales.class);
        Optional<DexSegment.AuditReads> ea3 = first(DexSegment.AuditReads.class);
        List<DexSelection> selections = selections();

        DexTotals sinceInit = new DexTotals(
                va1.map(DexSegment.VendTotals::vendsSinceInit).orElse(OptionalLong.empty()),
                va1.flatMap(DexSegment.VendTotals::valueSinceInit),
                ca2.map(DexSegment.CashSales::vendsSinceInit).orElse(OptionalLong.empty()),
                ca2.flatMap(DexSegment.CashSales::valueSinceInit),
                sumCounts(da2, db2, DexSegment.CashlessSales::vendsSinceInit),
                sumMoney(da2, db2, DexSegment.CashlessSales::valueSinceInit));
        DexTotals sinceReset = new DexTotals(
                va1.map(DexSegment.VendTotals::vendsSinceReset).orElse(OptionalLong.empty()),
                va1.flatMap(DexSegment.VendTotals::valueSinceReset),
                ca2.map(DexSegment.CashSales::vendsSinceReset).orElse(OptionalLong.empty()),
                ca2.flatMap(DexSegment.CashSales::valueSinceReset),
                sumCounts(da2, db2, DexSegment.CashlessSales::vendsSinceReset),
                sumMoney(da2, db2, DexSegment.CashlessSales::valueSinceReset));

        Optional<LocalDateTime> readTime = first(DexSegment.ReadTime.class).flatMap(DexSegment.ReadTime::at)
                .or(() -> ea3.flatMap(DexSegment.AuditReads::thisRead));

        new ReadChecks(findings).check(va1, ca2, da2, db2, selections, segments);

        return new DexRead(
                id1.map(DexSegment.MachineId::serialNumber).filter(s -> !s.isEmpty()),
                id1.map(DexSegment.MachineId::assetNumber).filter(s -> !s.isEmpty()),
                id1.map(DexSegment.MachineId::model).filter(s -> !s.isEmpty()),
                decimalPoint,
                id4.flatMap(DexSegment.Currency::alphaCode),
                id4.flatMap(DexSegment.Currency::numericCode),
                readTime, sinceInit, sinceReset, selections,
                all(DexSegment.Event.class), all(DexSegment.EventCount.class),
                one("CA3", DexSegment.CashIn.class), one("CA4", DexSegment.CashOut.class),
                one("CA15", DexSegment.TubeContents.class), all(DexSegment.CoinTube.class),
                all(DexSegment.CashlessReader.class), ea3, first(DexSegment.PowerOutages.class),
                complete, crcVerified, segments, List.copyOf(findings));
    }

    /** PA2, PA4, PA5 and PA7 belong to the PA1 before them; without one they cannot be attributed. */
    private List<DexSelection> selections() throws DexFormatException {
        List<DexSelection> result = new ArrayList<>();
        SelectionBuilder current = null;
        for (DexSegment s : segments) {
            if (s instanceof DexSegment.Selection pa1) {
                if (current != null) {
                    result.add(current.build());
                }
                current = new SelectionBuilder(pa1);
            } else if (s instanceof DexSegment.SelectionVends || s instanceof DexSegment.SelectionLastSale
                    || s instanceof DexSegment.SelectionDeviceVends) {
                if (current == null) {
                    throw new DexFormatException(Reason.BAD_STRUCTURE, s.line(), s.id(), s.id() + " before any PA1");
                }
                current.add(s, findings);
            }
        }
        if (current != null) {
            result.add(current.build());
        }
        return List.copyOf(result);
    }

    private <T extends DexSegment> Optional<T> one(String id, Class<T> type) {
        return Optional.ofNullable(single.get(id)).filter(type::isInstance).map(type::cast);
    }

    private <T extends DexSegment> Optional<T> first(Class<T> type) {
        return segments.stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    private <T extends DexSegment> List<T> all(Class<T> type) {
        return segments.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Cashless = reader 1 + reader 2, over the fields either reports; empty if neither does. */
    private static OptionalLong sumCounts(Optional<DexSegment.CashlessSales> a, Optional<DexSegment.CashlessSales> b,
                                          Function<DexSegment.CashlessSales, OptionalLong> field) {
        OptionalLong x = a.map(field).orElse(OptionalLong.empty());
        OptionalLong y = b.map(field).orElse(OptionalLong.empty());
        if (x.isEmpty()) {
            return y;
        }
        return y.isEmpty() ? x : OptionalLong.of(x.getAsLong() + y.getAsLong());
    }

    private static Optional<BigDecimal> sumMoney(Optional<DexSegment.CashlessSales> a, Optional<DexSegment.CashlessSales> b,
                                                 Function<DexSegment.CashlessSales, Optional<BigDecimal>> field) {
        Optional<BigDecimal> x = a.flatMap(field);
        Optional<BigDecimal> y = b.flatMap(field);
        if (x.isEmpty()) {
            return y;
        }
        return y.isEmpty() ? x : Optional.of(x.get().add(y.get()));
    }

    private static final class SelectionBuilder {
        private final DexSegment.Selection pa1;
        private DexSegment.SelectionVends paid;
        private DexSegment.SelectionVends free;
        private DexSegment.SelectionLastSale lastSale;
        private final List<DexSegment.SelectionDeviceVends> byDevice = new ArrayList<>();

        SelectionBuilder(DexSegment.Selection pa1) {
            this.pa1 = pa1;
        }

        void add(DexSegment s, List<DexFinding> findings) throws DexFormatException {
            if (s instanceof DexSegment.SelectionVends v && v.id().equals("PA2")) {
                paid = once(paid, v);
            } else if (s instanceof DexSegment.SelectionVends v) {
                free = once(free, v);
            } else if (s instanceof DexSegment.SelectionLastSale l) {
                lastSale = once(lastSale, l);
            } else if (s instanceof DexSegment.SelectionDeviceVends d) {
                if (!d.selection().equals(pa1.selection())) {
                    findings.add(new DexFinding(DexFinding.Kind.PA7_SELECTION_MISMATCH, d.line(), "PA7",
                            "PA7 names selection '" + d.selection() + "' under PA1 '" + pa1.selection() + "' (line "
                                    + pa1.line() + "); counted under the PA1"));
                }
                byDevice.add(d);
            }
        }

        private <T extends DexSegment> T once(T existing, T next) throws DexFormatException {
            if (existing != null) {
                throw new DexFormatException(Reason.BAD_STRUCTURE, next.line(), next.id(), "a second " + next.id()
                        + " for selection '" + pa1.selection() + "' (PA1 at line " + pa1.line() + ")");
            }
            return next;
        }

        DexSelection build() {
            Optional<DexSegment.SelectionVends> p = Optional.ofNullable(paid);
            Optional<DexSegment.SelectionVends> f = Optional.ofNullable(free);
            return new DexSelection(pa1.line(), pa1.selection(), pa1.productId(), pa1.price(),
                    p.map(DexSegment.SelectionVends::vendsSinceInit).orElse(OptionalLong.empty()),
                    p.flatMap(DexSegment.SelectionVends::valueSinceInit),
                    p.map(DexSegment.SelectionVends::vendsSinceReset).orElse(OptionalLong.empty()),
                    p.flatMap(DexSegment.SelectionVends::valueSinceReset),
                    f.map(DexSegment.SelectionVends::vendsSinceInit).orElse(OptionalLong.empty()),
                    f.map(DexSegment.SelectionVends::vendsSinceReset).orElse(OptionalLong.empty()),
                    Optional.ofNullable(lastSale).flatMap(DexSegment.SelectionLastSale::at),
                    List.copyOf(byDevice));
        }
    }
}
