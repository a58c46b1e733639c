package io.vendstream.dex;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One audit read, parsed. Money is in currency units (ID4's decimal point applied). The unqualified
 * totals ({@link #paidVends()}...) are since initialisation, as VA1's first fields are;
 * {@link #sinceReset()} holds the same totals since the machine's last reset.
 *
 * @param complete    false only for a read accepted in partial mode from a truncated file
 * @param crcVerified true when a G85 was present and matched (a mismatch never gets this far)
 * @param segments    every segment between ST and SE, typed or kept raw, in file order
 * @param findings    what is odd but not wrong enough to reject the read
 */
public record DexRead(Optional<String> machineSerial, Optional<String> assetNumber, Optional<String> model,
                      int decimalPoint, Optional<String> currency, Optional<String> currencyNumericCode,
                      Optional<LocalDateTime> readTime,
                      DexTotals sinceInit, DexTotals sinceReset,
                      List<DexSelection> selections,
                      List<DexSegment.Event> events, List<DexSegment.EventCount> eventCounts,
                      Optional<DexSegment.CashIn> cashIn, Optional<DexSegment.CashOut> cashOut,
                      Optional<DexSegment.TubeContents> tubeContents, List<DexSegment.CoinTube> coinTubes,
                      List<DexSegment.CashlessReader> cashlessReaders,
                      Optional<DexSegment.AuditReads> auditReads, Optional<DexSegment.PowerOutages> powerOutages,
                      boolean complete, boolean crcVerified,
                      List<DexSegment> segments, List<DexFinding> findings) {

    /** VA102: paid vends since initialisation. */
    public OptionalLong paidVends() {
        return sinceInit.paidVends();
    }

    /** VA101: value of paid vends since initialisation. */
    public Optional<BigDecimal> paidValue() {
        return sinceInit.paidValue();
    }

    /** CA202: cash vends since initialisation. */
    public OptionalLong cashVends() {
        return sinceInit.cashVends();
    }

    /** CA201: value of cash sales since initialisation. */
    public Optional<BigDecimal> cashValue() {
        return sinceInit.cashValue();
    }

    /** DA202 + DB202: cashless vends since initialisation. */
    public OptionalLong cashlessVends() {
        return sinceInit.cashlessVends();
    }

    /** DA201 + DB201: value of cashless sales since initialisation. */
    public Optional<BigDecimal> cashlessValue() {
        return sinceInit.cashlessValue();
    }

    /** CA306: value of cash that went to the cash box since initialisation. */
    public Optional<BigDecimal> cashToBox() {
        return cashIn.flatMap(DexSegment.CashIn::toBoxSinceInit);
    }

    public List<DexFinding> findings(DexFinding.Kind kind) {
        return findings.stream().filter(f -> f.kind() == kind).toList();
    }

    public boolean has(DexFinding.Kind kind) {
        return findings.stream().anyMatch(f -> f.kind() == kind);
    }
}
