package io.vendstream.dex;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The arithmetic a sound read should satisfy, checked and reported as findings. None of these
 * rejects a read: real controllers break them (see docs/dex.md), and reconciliation needs to see the
 * figures the machine gave along with the fact that they disagree.
 */
final class ReadChecks {

    private final List<DexFinding> findings;

    ReadChecks(List<DexFinding> findings) {
        this.findings = findings;
    }

    void check(Optional<DexSegment.VendTotals> va1, Optional<DexSegment.CashSales> ca2,
               Optional<DexSegment.CashlessSales> da2, Optional<DexSegment.CashlessSales> db2,
               List<DexSelection> selections, List<DexSegment> segments) {
        va1.ifPresent(v -> resetNotAboveInit(v.line(), "VA1", v.vendsSinceInit(), v.vendsSinceReset(),
                v.valueSinceInit(), v.valueSinceReset()));
        ca2.ifPresent(c -> resetNotAboveInit(c.line(), "CA2", c.vendsSinceInit(), c.vendsSinceReset(),
                c.valueSinceInit(), c.valueSinceReset()));
        for (Optional<DexSegment.CashlessSales> d : List.of(da2, db2)) {
            d.ifPresent(c -> resetNotAboveInit(c.line(), c.id(), c.vendsSinceInit(), c.vendsSinceReset(),
                    c.valueSinceInit(), c.valueSinceReset()));
        }
        for (DexSelection s : selections) {
            resetNotAboveInit(s.line(), "PA2", s.vendsSinceInit(), s.vendsSinceReset(), s.valueSinceInit(),
                    s.valueSinceReset(), " of selection '" + s.selection() + "'");
        }

        if (va1.isEmpty()) {
            findings.add(new DexFinding(DexFinding.Kind.NO_PAID_TOTALS, 0, "VA1", "no VA1 in the read"));
        } else {
            selectionsAgainstVa1(va1.get(), selections);
            paymentsAgainstVa1(va1.get(), ca2, da2, db2);
        }
        tubes(segments);
    }

    private void resetNotAboveInit(int line, String id, OptionalLong vendsInit, OptionalLong vendsReset,
                                   Optional<BigDecimal> valueInit, Optional<BigDecimal> valueReset) {
        resetNotAboveInit(line, id, vendsInit, vendsReset, valueInit, valueReset, "");
    }

    /** Since-reset counts a subset of since-initialisation; more means a counter was cleared or misplaced. */
    private void resetNotAboveInit(int line, String id, OptionalLong vendsInit, OptionalLong vendsReset,
                                   Optional<BigDecimal> valueInit, Optional<BigDecimal> valueReset, String what) {
        if (vendsInit.isPresent() && vendsReset.isPresent() && vendsReset.getAsLong() > vendsInit.getAsLong()) {
            findings.add(new DexFinding(DexFinding.Kind.RESET_EXCEEDS_INIT, line, id, id + " vends" + what
                    + ": " + vendsReset.getAsLong() + " since reset, " + vendsInit.getAsLong() + " since initialisation"));
        }
        if (valueInit.isPresent() && valueReset.isPresent() && valueReset.get().compareTo(valueInit.get()) > 0) {
            findings.add(new DexFinding(DexFinding.Kind.RESET_EXCEEDS_INIT, line, id, id + " value" + what
                    + ": " + valueReset.get() + " since reset, " + valueInit.get() + " since initialisation"));
        }
    }

    private void selectionsAgainstVa1(DexSegment.VendTotals va1, List<DexSelection> selections) {
        List<DexSelection> sold = selections.stream().filter(s -> s.vendsSinceInit().isPresent()
                || s.valueSinceInit().isPresent() || s.vendsSinceReset().isPresent()).toList();
        if (sold.isEmpty()) {
            return;
        }
        DexFinding.Kind kind = DexFinding.Kind.SELECTIONS_DIFFER_FROM_VA1;
        compare(kind, va1, "PA2 vends since initialisation", counts(sold, DexSelection::vendsSinceInit), va1.vendsSinceInit());
        compare(kind, va1, "PA2 value since initialisation", money(sold, DexSelection::valueSinceInit), va1.valueSinceInit());
        compare(kind, va1, "PA2 vends since reset", counts(sold, DexSelection::vendsSinceReset), va1.vendsSinceReset());
        compare(kind, va1, "PA2 value since reset", money(sold, DexSelection::valueSinceReset), va1.valueSinceReset());
    }

    private void paymentsAgainstVa1(DexSegment.VendTotals va1, Optional<DexSegment.CashSales> ca2,
                                    Optional<DexSegment.CashlessSales> da2, Optional<DexSegment.CashlessSales> db2) {
        if (ca2.isEmpty() && da2.isEmpty() && db2.isEmpty()) {
            findings.add(new DexFinding(DexFinding.Kind.NO_PAYMENT_TOTALS, va1.line(), "VA1",
                    "no CA2, DA2 or DB2: VA1 cannot be split into cash and cashless"));
            return;
        }
        List<Payment> payments = new ArrayList<>();
        ca2.ifPresent(c -> payments.add(new Payment(c.vendsSinceInit(), c.valueSinceInit(), c.vendsSinceReset(), c.valueSinceReset())));
        for (Optional<DexSegment.CashlessSales> d : List.of(da2, db2)) {
            d.ifPresent(c -> payments.add(new Payment(c.vendsSinceInit(), c.valueSinceInit(), c.vendsSinceReset(), c.valueSinceReset())));
        }
        String parts = (ca2.isPresent() ? "CA2" : "") + (da2.isPresent() ? (ca2.isPresent() ? " + " : "") + "DA2" : "")
                + (db2.isPresent() ? " + DB2" : "");
        DexFinding.Kind kind = DexFinding.Kind.PAYMENTS_DIFFER_FROM_VA1;
        compare(kind, va1, parts + " vends since initialisation", counts(payments, Payment::vendsInit), va1.vendsSinceInit());
        compare(kind, va1, parts + " value since initialisation", money(payments, Payment::valueInit), va1.valueSinceInit());
        compare(kind, va1, parts + " vends since reset", counts(payments, Payment::vendsReset), va1.vendsSinceReset());
        compare(kind, va1, parts + " value since reset", money(payments, Payment::valueReset), va1.valueSinceReset());
    }

    private record Payment(OptionalLong vendsInit, Optional<BigDecimal> valueInit, OptionalLong vendsReset,
                           Optional<BigDecimal> valueReset) {
    }

    /** CA15's value against the coins CA17 lists per tube, when every CA17 gives value and count. */
    private void tubes(List<DexSegment> segments) {
        Optional<DexSegment.TubeContents> ca15 = segments.stream().filter(DexSegment.TubeContents.class::isInstance)
                .map(DexSegment.TubeContents.class::cast).findFirst();
        List<DexSegment.CoinTube> ca17 = segments.stream().filter(DexSegment.CoinTube.class::isInstance)
                .map(DexSegment.CoinTube.class::cast).toList();
        if (ca15.isEmpty() || ca15.get().value().isEmpty() || ca17.isEmpty()
                || ca17.stream().anyMatch(t -> t.coinValue().isEmpty() || t.coins().isEmpty())) {
            return;
        }
        BigDecimal inTubes = ca17.stream().map(t -> t.coinValue().get().multiply(BigDecimal.valueOf(t.coins().getAsLong())))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal stated = ca15.get().value().get();
        if (inTubes.compareTo(stated) != 0) {
            findings.add(new DexFinding(DexFinding.Kind.TUBES_DISAGREE, ca15.get().line(), "CA15",
                    "CA15 says the tubes hold " + stated + ", the CA17 tubes add up to " + inTubes));
        }
    }

    private void compare(DexFinding.Kind kind, DexSegment.VendTotals va1, String what, OptionalLong sum, OptionalLong stated) {
        if (sum.isPresent() && stated.isPresent() && sum.getAsLong() != stated.getAsLong()) {
            findings.add(new DexFinding(kind, va1.line(), "VA1",
                    what + " add up to " + sum.getAsLong() + "; VA1 says " + stated.getAsLong()));
        }
    }

    private void compare(DexFinding.Kind kind, DexSegment.VendTotals va1, String what, Optional<BigDecimal> sum,
                         Optional<BigDecimal> stated) {
        if (sum.isPresent() && stated.isPresent() && sum.get().compareTo(stated.get()) != 0) {
            findings.add(new DexFinding(kind, va1.line(), "VA1",
                    what + " add up to " + sum.get() + "; VA1 says " + stated.get()));
        }
    }

    /** The sum of a field over all items, or empty if any item leaves it out (a partial sum proves nothing). */
    private static <T> OptionalLong counts(List<T> items, Function<T, OptionalLong> field) {
        long sum = 0;
        for (T item : items) {
            OptionalLong value = field.apply(item);
            if (value.isEmpty()) {
                return OptionalLong.empty();
            }
            sum += value.getAsLong();
        }
        return OptionalLong.of(sum);
    }

    private static <T> Optional<BigDecimal> money(List<T> items, Function<T, Optional<BigDecimal>> field) {
        BigDecimal sum = BigDecimal.ZERO;
        for (T item : items) {
            Optional<BigDecimal> value = field.apply(item);
            if (value.isEmpty()) {
                return Optional.empty();
            }
            sum = sum.add(value.get());
        }
        return Optional.of(sum);
    }
}
