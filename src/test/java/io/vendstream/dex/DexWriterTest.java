package io.vendstream.dex;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DexWriterTest {

    private static final LocalDateTime READ_AT = LocalDateTime.of(2026, 3, 14, 9, 26, 53);

    private static DexWriter.Sales sales(long vends, String value) {
        return new DexWriter.Sales(vends, new BigDecimal(value));
    }

    private static DexWriter.Audit audit() {
        List<DexWriter.Selection> selections = List.of(
                new DexWriter.Selection("11", "AQUA600", new BigDecimal("1.50"), sales(40, "60.00"), sales(4, "6.00")),
                new DexWriter.Selection("12", "COLA330", new BigDecimal("2.20"), sales(25, "55.00"), sales(3, "6.60")),
                new DexWriter.Selection("13", "CHIPS", new BigDecimal("1.80"), sales(0, "0.00"), sales(0, "0.00")));
        return DexWriter.consistentAudit("VST-0042", READ_AT, selections,
                sales(50, "81.00"), sales(5, "8.10"), sales(15, "34.00"), sales(2, "4.50"), 17);
    }

    @Test
    void should_give_back_the_same_counters_when_a_written_file_is_parsed() throws Exception {
        DexWriter.Audit audit = audit();
        DexRead read = DexParser.strict().parse(DexWriter.write(audit));

        assertTrue(read.complete());
        assertTrue(read.crcVerified());
        assertEquals(List.of(), read.findings(), "a consistent audit has nothing odd");
        assertEquals(Optional.of("VST-0042"), read.machineSerial());
        assertEquals(Optional.of("EUR"), read.currency());
        assertEquals(Optional.of(READ_AT), read.readTime());
        assertEquals(OptionalLong.of(65), read.paidVends());
        assertEquals(Optional.of(new BigDecimal("115.00")), read.paidValue());
        assertEquals(OptionalLong.of(50), read.cashVends());
        assertEquals(Optional.of(new BigDecimal("81.00")), read.cashValue());
        assertEquals(OptionalLong.of(15), read.cashlessVends());
        assertEquals(Optional.of(new BigDecimal("34.00")), read.cashlessValue());
        assertEquals(OptionalLong.of(7), read.sinceReset().paidVends());
        assertEquals(Optional.of(new BigDecimal("12.60")), read.sinceReset().paidValue());
        assertEquals(OptionalLong.of(17), read.auditReads().orElseThrow().readsWithResetSinceInit());

        assertEquals(audit.selections().size(), read.selections().size());
        for (int i = 0; i < audit.selections().size(); i++) {
            DexWriter.Selection written = audit.selections().get(i);
            DexSelection parsed = read.selections().get(i);
            assertEquals(written.selection(), parsed.selection());
            assertEquals(written.productId(), parsed.productId());
            assertEquals(Optional.of(written.price()), parsed.price());
            assertEquals(OptionalLong.of(written.sinceInit().vends()), parsed.vendsSinceInit());
            assertEquals(Optional.of(written.sinceInit().value()), parsed.valueSinceInit());
            assertEquals(OptionalLong.of(written.sinceReset().vends()), parsed.vendsSinceReset());
            assertEquals(Optional.of(written.sinceReset().value()), parsed.valueSinceReset());
        }
    }

    @Test
    void should_write_the_envelope_with_crlf_and_the_segment_count() {
        String file = DexWriter.write(audit());
        String[] lines = file.split("\r\n");
        assertTrue(file.endsWith("DXE*1*1\r\n"));
        assertFalse(file.replace("\r\n", "").contains("\n"));
        assertEquals("DXS", lines[0].substring(0, 3));
        assertEquals("ST*001*0001", lines[1]);
        assertEquals("SE*" + (lines.length - 2) + "*0001", lines[lines.length - 2]);
        assertTrue(lines[lines.length - 3].matches("G85\\*[0-9A-F]{4}"));
    }

    @Test
    void should_write_a_disagreeing_audit_that_the_parser_reports() throws Exception {
        DexWriter.Audit sound = audit();
        DexWriter.Audit skimmed = new DexWriter.Audit(sound.machineSerial(), sound.model(), sound.assetNumber(), 2, "1978",
                "EUR", READ_AT, sales(66, "116.50"), sound.paidSinceReset(), sound.cashSinceInit(), sound.cashSinceReset(),
                sound.cashlessSinceInit(), sound.cashlessSinceReset(), sound.selections(), 17);
        DexRead read = DexParser.strict().parse(DexWriter.write(skimmed));
        assertEquals(2, read.findings(DexFinding.Kind.PAYMENTS_DIFFER_FROM_VA1).size());
        assertEquals(2, read.findings(DexFinding.Kind.SELECTIONS_DIFFER_FROM_VA1).size());
    }

    @Test
    void should_refuse_money_finer_than_the_decimal_point() {
        DexWriter.Audit sound = audit();
        DexWriter.Audit fine = DexWriter.consistentAudit("VST-0042", READ_AT, List.of(), sales(1, "1.005"),
                sales(0, "0"), sales(0, "0"), sales(0, "0"), 1);
        assertThrows(IllegalArgumentException.class, () -> DexWriter.write(fine));
        assertNotNull(DexWriter.write(sound));
    }

    @Test
    void should_refuse_text_that_would_break_a_segment() {
        DexWriter.Audit star = DexWriter.consistentAudit("VST*42", READ_AT, List.of(), sales(0, "0"), sales(0, "0"),
                sales(0, "0"), sales(0, "0"), 1);
        assertThrows(IllegalArgumentException.class, () -> DexWriter.write(star));
    }
}
