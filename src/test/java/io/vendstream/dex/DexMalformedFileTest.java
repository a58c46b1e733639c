package io.vendstream.dex;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;

import io.vendstream.dex.DexFormatException.Reason;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Broken transfers: each is rejected with its reason, the line and the segment; sound oddities are not. */
class DexMalformedFileTest {

    private static DexFormatException rejected(String content) {
        return assertThrows(DexFormatException.class, () -> DexParser.strict().parse(content));
    }

    private static void assertRejected(DexFormatException e, Reason reason, int line, String segment) {
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(segment, e.segment(), e.getMessage());
    }

    @Test
    void should_compute_the_crc_the_sample_files_carry() {
        String animo = DexSamples.text("animo");
        String covered = animo.substring(animo.indexOf("ST*"), animo.indexOf("G85*")).replace("\n", "\r\n");
        assertEquals("B9AE", G85Crc.hex(G85Crc.crc16(covered)));
        String rhevendors = DexSamples.text("rhevendors");
        covered = rhevendors.substring(rhevendors.indexOf("ST*"), rhevendors.indexOf("G85*")).replace("\n", "\r\n");
        assertEquals("F4D0", G85Crc.hex(G85Crc.crc16(covered)));
        assertEquals(0xBB3D, G85Crc.crc16("123456789"), "the CRC-16/ARC check value");
    }

    @Test
    void should_reject_a_file_whose_crc_does_not_match() {
        String altered = DexSamples.text("animo").replace("VA1*816100*8161", "VA1*816200*8162");
        assertRejected(rejected(altered), Reason.BAD_CRC, 117, "G85");
    }

    @Test
    void should_reject_a_g85_that_is_not_four_hex_digits() {
        assertRejected(rejected(DexSamples.text("animo").replace("G85*B9AE", "G85*B9XE")), Reason.BAD_CRC, 117, "G85");
    }

    @Test
    void should_accept_the_crc_whatever_the_line_ends() throws Exception {
        String lf = DexSamples.text("animo");
        for (String ending : new String[] {"\r\n", "\r", "\n"}) {
            DexRead read = DexParser.strict().parse(lf.replace("\n", ending) + ending + "\r\n  \r\n");
            assertTrue(read.crcVerified(), "line ends " + ending.replace("\r", "CR").replace("\n", "LF"));
            assertEquals(OptionalLong.of(8161), read.paidVends());
        }
    }

    @Test
    void should_reject_a_truncated_file_naming_its_last_line() {
        String animo = DexSamples.text("animo");
        String cut = animo.substring(0, animo.indexOf("PA2*135*13500*590") + 10);
        assertRejected(rejected(cut), Reason.TRUNCATED, 19, "PA2");
    }

    @Test
    void should_reject_a_file_that_ends_before_st() {
        assertRejected(rejected("DXS*VST0000001*VA*V1/1*1\r\n"), Reason.TRUNCATED, 1, "DXS");
    }

    @Test
    void should_reject_a_set_closed_by_dxe_without_se() {
        String noSe = DexSamples.text("animo").replace("SE*117*0001\n", "");
        assertRejected(rejected(noSe), Reason.MISSING_SE, 118, "DXE");
    }

    @Test
    void should_reject_a_second_st_while_the_first_set_is_open() {
        String twice = DexSamples.file("ID1*X").replace("SE*3*0001", "ST*001*0002");
        assertRejected(rejected(twice), Reason.MISSING_SE, 4, "ST");
    }

    @Test
    void should_reject_a_wrong_segment_count_when_no_crc_proves_the_transfer() {
        String lostLine = DexSamples.file("ID1*X", "ID4*2*1978*EUR", "VA1*100*1*100*1").replace("ID4*2*1978*EUR\r\n", "");
        assertRejected(rejected(lostLine), Reason.SEGMENT_COUNT, 5, "SE");
    }

    @Test
    void should_reject_a_file_that_is_not_dex() {
        assertRejected(rejected("hello\r\nworld\r\n"), Reason.NOT_DEX, 1, "");
        assertRejected(rejected(""), Reason.NOT_DEX, 1, "");
    }

    @Test
    void should_reject_garbage_bytes_inside_the_envelope() throws Exception {
        byte[] garbage = DexSamples.file("ID1*X", "VA1*100*1*100*1").getBytes(StandardCharsets.ISO_8859_1);
        int at = new String(garbage, StandardCharsets.ISO_8859_1).indexOf("VA1*") + 5;
        garbage[at] = 0x00;
        garbage[at + 1] = 0x1B;
        DexFormatException e = assertThrows(DexFormatException.class, () -> DexParser.strict().parse(garbage));
        assertRejected(e, Reason.BAD_CHARACTER, 4, "VA1");
    }

    @Test
    void should_reject_a_line_that_is_not_a_segment() {
        assertRejected(rejected(DexSamples.file("ID1*X", "%%$#@!*1*2")), Reason.BAD_STRUCTURE, 4, "");
    }

    @Test
    void should_reject_a_bad_number_in_va1_naming_line_and_segment() {
        DexFormatException e = rejected(DexSamples.file("ID1*X", "ID4*2*1978*EUR", "VA1*23485O*1666*114400*1088"));
        assertRejected(e, Reason.BAD_NUMBER, 5, "VA1");
        assertTrue(e.getMessage().contains("VA101"), e.getMessage());
    }

    @Test
    void should_reject_a_bad_number_in_pa2_even_with_a_good_crc() {
        DexFormatException e = rejected(DexSamples.fileWithCrc("ID4*2", "VA1*100*1", "PA1*1*100", "PA2*1*1OO"));
        assertRejected(e, Reason.BAD_NUMBER, 6, "PA2");
    }

    @Test
    void should_keep_a_bad_number_in_an_unknown_segment_raw() throws Exception {
        DexRead read = DexParser.strict().parse(DexSamples.file("ID4*2", "VA1*100*1", "CA11*x5*abc*-3"));
        DexSegment.Unknown ca11 = (DexSegment.Unknown) read.segments().get(2);
        assertEquals("CA11", ca11.id());
        assertEquals(java.util.List.of("x5", "abc", "-3"), ca11.fields());
    }

    @Test
    void should_keep_an_unreadable_date_as_a_finding_not_an_error() throws Exception {
        DexRead read = DexParser.strict().parse(DexSamples.file("ID4*2", "ID5*20231399*2500", "VA1*100*1",
                "EA3*1*20231127*1011"));
        assertEquals(DexFinding.Kind.UNREADABLE_SEGMENT, read.findings(DexFinding.Kind.UNREADABLE_SEGMENT).get(0).kind());
        assertEquals(4, read.findings(DexFinding.Kind.UNREADABLE_SEGMENT).get(0).line());
        assertEquals(Optional.of(java.time.LocalDateTime.of(2023, 11, 27, 10, 11)), read.readTime(), "from EA3 instead");
    }

    @Test
    void should_reject_a_second_va1() {
        assertRejected(rejected(DexSamples.file("VA1*100*1", "VA1*200*2")), Reason.BAD_STRUCTURE, 4, "VA1");
    }

    @Test
    void should_reject_pa2_without_a_pa1() {
        assertRejected(rejected(DexSamples.file("ID4*2", "VA1*100*1", "PA2*1*100")), Reason.BAD_STRUCTURE, 5, "PA2");
    }

    @Test
    void should_reject_content_after_dxe() {
        String appended = DexSamples.text("animo") + "\nDXS*ANI1234567*VA*V0/6*1\n";
        assertRejected(rejected(appended), Reason.BAD_STRUCTURE, 120, "DXS");
    }

    @Test
    void should_reject_a_decimal_point_out_of_range() {
        assertRejected(rejected(DexSamples.file("ID4*9*1978*EUR", "VA1*100*1")), Reason.BAD_NUMBER, 3, "ID4");
    }

    @Test
    void should_assume_two_decimals_when_id4_is_missing_and_say_so() throws Exception {
        DexRead read = DexParser.strict().parse(DexSamples.file("ID1*X", "VA1*12345*10*12345*10"));
        assertEquals(Optional.of(new BigDecimal("123.45")), read.paidValue());
        assertTrue(read.has(DexFinding.Kind.DECIMAL_POINT_ASSUMED));
        assertTrue(read.has(DexFinding.Kind.NO_CRC));
    }

    @Test
    void should_scale_money_by_the_decimal_point() throws Exception {
        DexRead read = DexParser.strict().parse(DexSamples.file("ID4*0*360*IDR", "VA1*234850*1666"));
        assertEquals(Optional.of(new BigDecimal("234850")), read.paidValue());
        read = DexParser.strict().parse(DexSamples.file("ID4*3*414*KWD", "VA1*234850*1666"));
        assertEquals(Optional.of(new BigDecimal("234.850")), read.paidValue());
    }

    @Test
    void should_keep_loop_content_with_its_id() throws Exception {
        DexRead read = DexParser.strict().parse(DexSamples.file("ID4*2", "VA1*100*1", "LS*0100", "PA1*9*50", "MA5*X*1", "LE*0100"));
        DexSegment.Loop loop = (DexSegment.Loop) read.segments().get(2);
        assertEquals("0100", loop.loopId());
        assertEquals(5, loop.line());
        assertEquals(2, loop.content().size());
        assertInstanceOf(DexSegment.Selection.class, loop.content().get(0));
        assertTrue(read.selections().isEmpty(), "a loop's segments do not feed the totals");
    }

    @Test
    void should_reject_a_loop_that_is_never_closed() {
        assertRejected(rejected(DexSamples.file("VA1*100*1", "LS*0100", "PA1*9*50")), Reason.BAD_STRUCTURE, 4, "LS");
    }
}
