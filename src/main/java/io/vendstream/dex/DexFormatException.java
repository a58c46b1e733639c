package io.vendstream.dex;

/**
 * A DEX file that cannot be read soundly. It names the line (1-based, counted in the file as
 * received, before any leading line is skipped) and the segment id where the reading stopped, so an
 * operator can open the file at that line.
 */
public final class DexFormatException extends Exception {

    /** Why a file was rejected. */
    public enum Reason {
        /** No DXS or ST segment: this is not a DEX audit read. */
        NOT_DEX,
        /** The file ends before its transaction set is closed by SE (and DXE). */
        TRUNCATED,
        /** DXE, or a second ST, arrives while the transaction set is still open. */
        MISSING_SE,
        /** SE's segment count disagrees with the segments received and no G85 proves the transfer. */
        SEGMENT_COUNT,
        /** G85 does not match the CRC-16 of the segments it covers, or is not four hex digits. */
        BAD_CRC,
        /** A number that money or counters depend on does not parse. */
        BAD_NUMBER,
        /** A control byte (other than CR and LF) inside the envelope: line noise. */
        BAD_CHARACTER,
        /** Segments out of place: outside ST..SE, unpaired loops, duplicated totals, PA2 without PA1. */
        BAD_STRUCTURE
    }

    private final Reason reason;
    private final int line;
    private final String segment;

    public DexFormatException(Reason reason, int line, String segment, String detail) {
        super(reason + " at line " + line + (segment.isEmpty() ? "" : " (" + segment + ")") + ": " + detail);
        this.reason = reason;
        this.line = line;
        this.segment = segment;
    }

    public Reason reason() {
        return reason;
    }

    public int line() {
        return line;
    }

    /** The segment id at that line, empty when the line holds no segment. */
    public String segment() {
        return segment;
    }
}
