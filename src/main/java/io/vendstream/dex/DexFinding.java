package io.vendstream.dex;

/**
 * Something odd in a read that is still sound enough to keep: reported as data so reconciliation
 * can weigh it, not thrown. {@code line} is 0 when the finding is about the file as a whole.
 */
public record DexFinding(Kind kind, int line, String segment, String message) {

    public enum Kind {
        /** Lines before DXS (a vendor's preamble such as Sielaff's MC5) were skipped. */
        LEADING_LINES_IGNORED,
        /** The file has no DXS; the read starts at ST. */
        MISSING_DXS,
        /** SE closed the set but no DXE followed; SE's count already proves the set is whole. */
        MISSING_DXE,
        /** Read in partial mode: the file ends without SE, and its unterminated last line was dropped. */
        TRUNCATED,
        /** SE's count disagrees, but the G85 CRC proves the bytes are what the machine sent. */
        SEGMENT_COUNT_MISMATCH,
        /** SE's control number differs from ST's. */
        CONTROL_NUMBER_MISMATCH,
        /** No G85: the transfer's integrity rests on SE's segment count alone. */
        NO_CRC,
        /** No ID4: money is scaled with two decimals, the common case, which the file does not confirm. */
        DECIMAL_POINT_ASSUMED,
        /** No VA1: there is no paid-vend total to check anything against. */
        NO_PAID_TOTALS,
        /** No CA2, DA2 or DB2: VA1 cannot be split into cash and cashless. */
        NO_PAYMENT_TOTALS,
        /** The PA2 selections do not add up to VA1. */
        SELECTIONS_DIFFER_FROM_VA1,
        /** CA2 + DA2 + DB2 do not add up to VA1. */
        PAYMENTS_DIFFER_FROM_VA1,
        /** A since-reset counter is larger than its since-initialisation counter. */
        RESET_EXCEEDS_INIT,
        /** CA15's tube value differs from the coins CA17 lists per tube. */
        TUBES_DISAGREE,
        /** PA7's product number is not the selection of the PA1 it follows. */
        PA7_SELECTION_MISMATCH,
        /** A date, time or event segment could not be read; it is kept as an unknown segment. */
        UNREADABLE_SEGMENT
    }
}
