package io.vendstream.dex;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import static io.vendstream.dex.DexFinding.Kind.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The four real reads, with figures checked by hand against the files (docs/dex.md has the tables).
 * Each test also pins down what is odd in its file and how the parser reports it.
 */
class DexSampleFilesTest {

    private static Optional<BigDecimal> money(String value) {
        return Optional.of(new BigDecimal(value));
    }

    private static DexRead partial(String name) throws DexFormatException {
        return DexParser.acceptingPartialReads().parse(DexSamples.bytes(name));
    }

    private static DexRead strict(String name) throws DexFormatException {
        return DexParser.strict().parse(DexSamples.bytes(name));
    }

    @Test
    void should_read_sielaff_totals_where_va1_is_cash_plus_cashless() throws Exception {
        DexRead read = partial("sielaff");

        assertEquals(Optional.of("SIE90517939"), read.machineSerial());
        assertEquals(Optional.of("90517939"), read.assetNumber());
        assertEquals(Optional.of("EUR"), read.currency());
        assertEquals(Optional.of("1978"), read.currencyNumericCode());
        assertEquals(2, read.decimalPoint());
        assertEquals(Optional.of(LocalDateTime.of(2023, 8, 21, 17, 53, 47)), read.readTime());

        assertEquals(OptionalLong.of(1666), read.paidVends());
        assertEquals(money("2348.50"), read.paidValue());
        assertEquals(OptionalLong.of(1659), read.cashVends());
        assertEquals(money("2329.50"), read.cashValue());
        assertEquals(OptionalLong.of(7), read.cashlessVends());
        assertEquals(money("19.00"), read.cashlessValue());

        DexTotals reset = read.sinceReset();
        assertEquals(OptionalLong.of(1088), reset.paidVends());
        assertEquals(money("1144.00"), reset.paidValue());
        assertEquals(OptionalLong.of(1083), reset.cashVends());
        assertEquals(money("1129.00"), reset.cashValue());
        assertEquals(OptionalLong.of(5), reset.cashlessVends());
        assertEquals(money("15.00"), reset.cashlessValue());

        assertFalse(read.has(PAYMENTS_DIFFER_FROM_VA1), "VA1 = CA2 + DA2 since init and since reset");
    }

    @Test
    void should_read_sielaff_cash_box_tubes_and_reader() throws Exception {
        DexRead read = partial("sielaff");

        DexSegment.CashIn ca3 = read.cashIn().orElseThrow();
        assertEquals(money("1110.25"), ca3.toBoxSinceReset());
        assertEquals(money("346.25"), ca3.toTubesSinceReset());
        assertEquals(money("2296.05"), read.cashToBox());
        assertEquals(Optional.empty(), ca3.billsInSinceInit(), "CA308 is empty in the file, not zero");
        assertEquals(money("340.35"), read.cashOut().orElseThrow().dispensedSinceReset());

        assertEquals(money("50.50"), read.tubeContents().orElseThrow().value());
        assertEquals(4, read.coinTubes().size());
        assertEquals(OptionalLong.of(135), read.coinTubes().get(1).coins());
        assertEquals(money("0.10"), read.coinTubes().get(1).coinValue());

        assertEquals("PNPE453FF647919", read.cashlessReaders().get(0).serialNumber());
        assertTrue(read.selections().isEmpty(), "the file has no PA segments before it ends");
    }

    @Test
    void should_report_what_is_odd_in_sielaff() throws Exception {
        DexFormatException strict = assertThrows(DexFormatException.class, () -> strict("sielaff"));
        assertEquals(DexFormatException.Reason.TRUNCATED, strict.reason());
        assertEquals(55, strict.line());
        assertEquals("MA5", strict.segment());

        DexRead read = partial("sielaff");
        assertFalse(read.complete());
        assertFalse(read.crcVerified());
        assertEquals(1, read.findings(LEADING_LINES_IGNORED).size(), "the MC5 line before DXS");
        assertEquals(55, read.findings(TRUNCATED).get(0).line());
        assertTrue(read.findings(TRUNCATED).get(0).message().contains("MA5*CA11*1*2*3"), "the cut last line is dropped");
        assertEquals(34, read.findings(TUBES_DISAGREE).get(0).line());
        assertTrue(read.findings(TUBES_DISAGREE).get(0).message().contains("51.25"));
        assertTrue(read.segments().stream().anyMatch(s -> s instanceof DexSegment.Unknown u && u.id().equals("MA5")));
        assertTrue(read.segments().stream().anyMatch(s -> s instanceof DexSegment.Unknown u && u.id().equals("FA1")));
        assertEquals(3, read.findings().size());
    }

    @Test
    void should_read_animo_with_its_crc_and_paid_totals_only() throws Exception {
        DexRead read = strict("animo");

        assertTrue(read.complete());
        assertTrue(read.crcVerified());
        assertEquals(Optional.of("ANIKraftver"), read.machineSerial());
        assertEquals(Optional.of(LocalDateTime.of(2010, 1, 19, 23, 1, 11)), read.readTime());
        assertEquals(OptionalLong.of(8161), read.paidVends());
        assertEquals(money("8161.00"), read.paidValue());
        assertEquals(OptionalLong.of(8161), read.sinceReset().paidVends());
        assertEquals(OptionalLong.empty(), read.cashVends());
        assertEquals(Optional.empty(), read.cashlessValue());

        assertEquals(24, read.selections().size());
        DexSelection coffee = read.selections().get(0);
        assertEquals("0", coffee.selection());
        assertEquals("COFFEE", coffee.productId());
        assertEquals(money("1.00"), coffee.price());
        assertEquals(OptionalLong.of(412), coffee.vendsSinceInit());
        assertEquals(money("412.00"), coffee.valueSinceInit());
        assertEquals(OptionalLong.of(2655), coffee.vendsSinceReset());
        assertEquals(Optional.empty(), coffee.valueSinceReset(), "PA204 is not in the file");
        assertEquals(OptionalLong.of(359), coffee.freeVendsSinceInit());
        assertEquals(OptionalLong.of(591), coffee.freeVendsSinceReset());
    }

    @Test
    void should_report_what_is_odd_in_animo() throws Exception {
        DexRead read = strict("animo");

        assertTrue(read.has(NO_PAYMENT_TOTALS), "no CA2, DA2 or DB2");
        assertEquals(2, read.findings(SELECTIONS_DIFFER_FROM_VA1).size());
        assertTrue(read.findings(SELECTIONS_DIFFER_FROM_VA1).get(0).message().contains("1537; VA1 says 8161"));
        assertTrue(read.findings(SELECTIONS_DIFFER_FROM_VA1).get(1).message().contains("1537.00; VA1 says 8161.00"));
        assertEquals(11, read.findings(RESET_EXCEEDS_INIT).size(), "PA203 above PA201 in 11 selections");
        assertEquals(10, read.findings(RESET_EXCEEDS_INIT).get(0).line());
        assertEquals(14, read.findings().size());
        for (String vendorSegment : new String[] {"AM1", "PA3", "SA2", "EA6", "TA2", "SD1"}) {
            assertTrue(read.segments().stream().anyMatch(s -> s instanceof DexSegment.Unknown u && u.id().equals(vendorSegment)),
                    vendorSegment + " is kept raw");
        }
    }

    @Test
    void should_read_animo2_only_as_a_partial_read() throws Exception {
        DexFormatException strict = assertThrows(DexFormatException.class, () -> strict("animo2"));
        assertEquals(DexFormatException.Reason.TRUNCATED, strict.reason());
        assertEquals(115, strict.line());

        DexRead read = partial("animo2");
        assertFalse(read.complete());
        assertEquals(OptionalLong.of(547), read.paidVends());
        assertEquals(money("39.45"), read.paidValue());
        assertEquals(27, read.selections().size());
        assertEquals(OptionalLong.of(0), read.selections().get(26).vendsSinceInit(), "line 115 ends with a line feed, so it is kept");
        assertEquals(money("0.20"), read.selections().get(0).price());
        assertEquals(Optional.empty(), read.selections().get(0).valueSinceReset());

        assertTrue(read.has(TRUNCATED));
        assertTrue(read.has(NO_PAYMENT_TOTALS));
        assertEquals(3, read.findings(SELECTIONS_DIFFER_FROM_VA1).size());
        assertTrue(read.findings(SELECTIONS_DIFFER_FROM_VA1).get(0).message().contains("475; VA1 says 547"));
        assertTrue(read.findings(SELECTIONS_DIFFER_FROM_VA1).get(1).message().contains("34.05; VA1 says 39.45"));
        assertEquals(5, read.findings().size());
    }

    @Test
    void should_read_rhevendors_totals_and_per_device_vends() throws Exception {
        DexRead read = strict("rhevendors");

        assertTrue(read.crcVerified());
        assertEquals(Optional.of("RHV0000000000"), read.machineSerial());
        assertEquals(Optional.of("LUCEX2Zero"), read.model());
        assertEquals(Optional.empty(), read.currency(), "ID4 gives only the decimal point");
        assertEquals(Optional.of(LocalDateTime.of(2023, 11, 27, 10, 11)), read.readTime());

        assertEquals(OptionalLong.of(9612), read.paidVends());
        assertEquals(money("5865.30"), read.paidValue());
        assertEquals(OptionalLong.of(5443), read.cashVends());
        assertEquals(money("3123.30"), read.cashValue());
        assertEquals(OptionalLong.of(4156), read.cashlessVends());
        assertEquals(money("2742.00"), read.cashlessValue());
        assertEquals(OptionalLong.of(9592), read.sinceReset().paidVends());
        assertEquals(OptionalLong.of(4169), read.sinceReset().cashlessVends(), "DA204 4156 + DB204 13");
        assertEquals(money("3164.40"), read.cashToBox());

        assertEquals(18, read.selections().size());
        DexSelection first = read.selections().get(0);
        assertEquals("KAFFEE SCHWARZ BOHNE", first.productId());
        assertEquals(money("0.50"), first.price());
        assertEquals(OptionalLong.of(602), first.vendsSinceInit());
        assertEquals(money("297.90"), first.valueSinceInit());
        assertEquals(8, first.byDevice().size());
        assertEquals("CA", first.byDevice().get(0).device());
        assertEquals(OptionalLong.of(419), first.byDevice().get(0).vendsSinceInit());
        assertEquals(Optional.empty(), read.selections().get(17).price(), "PA1*18**USD has no price");

        assertEquals(22, read.events().size());
        assertEquals("OCM mdb", read.events().get(0).eventId());
        assertEquals(Optional.of(LocalDateTime.of(2023, 10, 22, 12, 53)), read.events().get(0).at());
        assertEquals(20, read.eventCounts().size());
        DexSegment.AuditReads ea3 = read.auditReads().orElseThrow();
        assertEquals(OptionalLong.of(2), ea3.readsWithResetSinceInit());
        assertEquals(Optional.of(LocalDateTime.of(2023, 10, 26, 13, 42)), ea3.previousRead());
        assertEquals(OptionalLong.of(11), read.powerOutages().orElseThrow().sinceInit());
        assertEquals(money("58.50"), read.tubeContents().orElseThrow().value());
    }

    @Test
    void should_report_what_is_odd_in_rhevendors() throws Exception {
        DexRead read = strict("rhevendors");

        DexFinding count = read.findings(SEGMENT_COUNT_MISMATCH).get(0);
        assertEquals(370, count.line());
        assertTrue(count.message().contains("SE says 349 segments, 369 were received"));
        assertEquals(46, read.findings(RESET_EXCEEDS_INIT).get(0).line(), "DB2: 13 vends since reset, 0 since init");
        assertEquals(2, read.findings(SELECTIONS_DIFFER_FROM_VA1).size(), "vends differ (NO CUP counts 9536), value agrees");
        assertTrue(read.findings(SELECTIONS_DIFFER_FROM_VA1).get(0).message().contains("19135; VA1 says 9612"));
        assertEquals(1, read.findings(PAYMENTS_DIFFER_FROM_VA1).size(), "only vends since init: 9599 against 9612");
        assertTrue(read.findings(PAYMENTS_DIFFER_FROM_VA1).get(0).message().contains("9599; VA1 says 9612"));
        assertFalse(read.has(TUBES_DISAGREE), "CA15 58.50 = 160x0.05 + 136x0.10 + 52x0.20 + 53x0.50");
        assertEquals(5, read.findings().size());
    }
}
