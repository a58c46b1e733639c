package io.vendstream.dex;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import io.vendstream.dex.DexFormatException.Reason;

/**
 * Reads a DEX/UCS (EVA-DTS) audit file: the DXS..DXE envelope, one ST..SE transaction set, its
 * G85 CRC and SE count, then the segments into a {@link DexRead}. Thread-safe; holds no state
 * beyond its mode. What is lenient and what is strict, and why, is in docs/dex.md.
 */
public final class DexParser {

    /** A segment id: upper-case letters and digits, starting with a letter (ST, VA1, CA15, MA5). */
    private static final Pattern SEGMENT_ID = Pattern.compile("[A-Z][A-Z0-9]{1,5}");

    private final boolean acceptPartial;

    private DexParser(boolean acceptPartial) {
        this.acceptPartial = acceptPartial;
    }

    /** Rejects a truncated file: a read whose end is missing cannot be reconciled. */
    public static DexParser strict() {
        return new DexParser(false);
    }

    /**
     * Accepts a file that ends before SE as a partial read ({@link DexRead#complete()} false, finding
     * TRUNCATED), dropping its unterminated last line since it may have been cut mid-field. For
     * looking at what a broken transfer did carry, never for reconciliation.
     */
    public static DexParser acceptingPartialReads() {
        return new DexParser(true);
    }

    public DexRead parse(Path file) throws IOException, DexFormatException {
        return parse(Files.readAllBytes(file));
    }

    /** DEX is ASCII; bytes are read as ISO-8859-1 so each maps to one char and the CRC sees them as sent. */
    public DexRead parse(byte[] content) throws DexFormatException {
        return parse(new String(content, StandardCharsets.ISO_8859_1));
    }

    /** The file's bytes as ISO-8859-1 characters (see {@link #parse(byte[])}). */
    public DexRead parse(String content) throws DexFormatException {
        List<DexLines.Line> lines = DexLines.split(content);
        List<DexFinding> findings = new ArrayList<>();
        TransactionSet set = envelope(lines, findings);
        boolean crcProvesSet = checkCrc(set, lines, findings);
        checkSegmentCount(set, crcProvesSet, findings);

        int decimalPoint = decimalPoint(set.segments, findings);
        List<DexSegment> segments = typed(set.segments, new SegmentReader(decimalPoint), findings);
        return new ReadAssembler(decimalPoint, segments, findings).assemble(set.complete, set.crcVerified);
    }

    /** The lines of the one transaction set, after checking the envelope around it. */
    private static final class TransactionSet {
        RawSegment st;
        RawSegment se;
        final List<RawSegment> segments = new ArrayList<>();
        boolean complete = true;
        boolean crcVerified;
    }

    private TransactionSet envelope(List<DexLines.Line> lines, List<DexFinding> findings) throws DexFormatException {
        int start = 0;
        while (start < lines.size() && !opensEnvelope(lines.get(start).text())) {
            start++;
        }
        if (start == lines.size()) {
            throw new DexFormatException(Reason.NOT_DEX, 1, "", "no DXS or ST segment in the file");
        }
        if (lines.subList(0, start).stream().anyMatch(l -> !l.blank())) {
            // Outside the envelope and outside the CRC: a vendor preamble (Sielaff's MC5) says nothing about sales.
            findings.add(new DexFinding(DexFinding.Kind.LEADING_LINES_IGNORED, 1, segmentId(lines.get(0).text()),
                    "lines 1.." + start + " before the envelope were skipped"));
        }

        TransactionSet set = new TransactionSet();
        boolean dxs = false;
        boolean dxe = false;
        DexLines.Line last = null;
        for (DexLines.Line line : lines.subList(start, lines.size())) {
            if (line.blank()) {
                continue;
            }
            checkCharacters(line);
            RawSegment segment = segment(line);
            last = line;
            String id = segment.id();
            if (dxe) {
                // Possibly a second read appended to the first: ignoring it would lose it silently.
                throw new DexFormatException(Reason.BAD_STRUCTURE, line.number(), id, "content after DXE");
            }
            switch (id) {
                case "DXS" -> {
                    if (dxs || set.st != null) {
                        throw new DexFormatException(Reason.BAD_STRUCTURE, line.number(), id, "a second DXS");
                    }
                    dxs = true;
                }
                case "ST" -> {
                    if (set.st != null && set.se == null) {
                        throw new DexFormatException(Reason.MISSING_SE, line.number(), id,
                                "ST arrives while the set opened at line " + set.st.line() + " has no SE");
                    }
                    if (set.se != null) {
                        throw new DexFormatException(Reason.BAD_STRUCTURE, line.number(), id,
                                "a second transaction set; one read carries one");
                    }
                    set.st = segment;
                }
                case "SE" -> {
                    if (set.st == null || set.se != null) {
                        throw new DexFormatException(Reason.BAD_STRUCTURE, line.number(), id, "SE without an open ST");
                    }
                    set.se = segment;
                }
                case "DXE" -> {
                    if (set.st == null) {
                        throw new DexFormatException(Reason.BAD_STRUCTURE, line.number(), id, "DXE before any ST");
                    }
                    if (set.se == null) {
                        throw new DexFormatException(Reason.MISSING_SE, line.number(), id,
                                "DXE arrives while the set opened at line " + set.st.line() + " has no SE");
                    }
                    dxe = true;
                }
                default -> {
                    if (set.st == null || set.se != null) {
                        throw new DexFormatException(Reason.BAD_STRUCTURE, line.number(), id, "segment outside ST..SE");
                    }
                    set.segments.add(segment);
                }
            }
        }
        if (!dxs) {
            findings.add(new DexFinding(DexFinding.Kind.MISSING_DXS, set.st == null ? 1 : set.st.line(), "ST",
                    "the file starts at ST without a DXS"));
        }
        if (set.st == null || set.se == null) {
            truncated(set, last, findings);
        } else if (dxs && !dxe) {
            findings.add(new DexFinding(DexFinding.Kind.MISSING_DXE, set.se.line(), "SE",
                    "no DXE after SE; SE's count and the CRC still cover the set"));
        }
        return set;
    }

    private void truncated(TransactionSet set, DexLines.Line last, List<DexFinding> findings) throws DexFormatException {
        int lineNumber = last == null ? 1 : last.number();
        String id = last == null ? "" : segmentId(last.text());
        if (!acceptPartial || set.st == null) {
            throw new DexFormatException(Reason.TRUNCATED, lineNumber, id,
                    set.st == null ? "the file ends before ST" : "the file ends before SE and DXE");
        }
        String dropped = "";
        if (last != null && last.terminator().isEmpty() && !set.segments.isEmpty()
                && set.segments.get(set.segments.size() - 1).line() == last.number()) {
            set.segments.remove(set.segments.size() - 1);
            dropped = "; its unterminated last line '" + last.text() + "' was dropped";
        }
        set.complete = false;
        findings.add(new DexFinding(DexFinding.Kind.TRUNCATED, lineNumber, id,
                "the file ends at line " + lineNumber + " without SE or DXE" + dropped));
    }

    /**
     * Verifies every G85 over the bytes from ST up to it. Both the standard's CR LF line ends and the
     * line ends as received are tried, since files are often rewritten to LF after the machine
     * computed the CRC (the samples were). Returns whether a verified G85 closes the set, which proves
     * every segment before SE arrived unaltered.
     */
    private static boolean checkCrc(TransactionSet set, List<DexLines.Line> lines, List<DexFinding> findings)
            throws DexFormatException {
        boolean any = false;
        boolean lastVerified = false;
        for (RawSegment segment : set.segments) {
            if (!segment.id().equals("G85")) {
                lastVerified = false;
                continue;
            }
            any = true;
            String stated = segment.field(1).strip();
            if (!stated.matches("[0-9A-Fa-f]{4}")) {
                throw new DexFormatException(Reason.BAD_CRC, segment.line(), "G85",
                        "'" + stated + "' is not four hex digits");
            }
            StringBuilder standard = new StringBuilder();
            StringBuilder received = new StringBuilder();
            for (DexLines.Line line : lines.subList(set.st.line() - 1, segment.line() - 1)) {
                standard.append(line.text()).append("\r\n");
                received.append(line.text()).append(line.terminator());
            }
            int expected = Integer.parseInt(stated, 16);
            if (G85Crc.crc16(standard) != expected && G85Crc.crc16(received) != expected) {
                // Counters from a corrupted transfer would produce false reconciliation findings.
                throw new DexFormatException(Reason.BAD_CRC, segment.line(), "G85", "G85 says " + stated
                        + ", the segments from line " + set.st.line() + " give " + G85Crc.hex(G85Crc.crc16(standard)));
            }
            lastVerified = true;
        }
        set.crcVerified = any;
        if (!any && set.complete) {
            findings.add(new DexFinding(DexFinding.Kind.NO_CRC, 0, "", "no G85; the transfer is checked by SE's count alone"));
        }
        return lastVerified;
    }

    /**
     * SE01 counts the segments from ST to SE inclusive. With a verified G85 closing the set the bytes
     * are proven, so a wrong count is the controller's own miscount (rhevendors leaves out its 20 EA2
     * segments) and only a finding; without one, the count is the only evidence that no line was lost.
     */
    private static void checkSegmentCount(TransactionSet set, boolean crcProvesSet, List<DexFinding> findings)
            throws DexFormatException {
        if (set.se == null) {
            return;
        }
        long stated = new Fields(set.se, 0).count(1).orElseThrow(() ->
                new DexFormatException(Reason.BAD_NUMBER, set.se.line(), "SE", "SE01 (segment count) is empty"));
        int counted = set.segments.size() + 2;
        if (stated != counted) {
            String message = "SE says " + stated + " segments, " + counted + " were received from ST to SE";
            if (!crcProvesSet) {
                throw new DexFormatException(Reason.SEGMENT_COUNT, set.se.line(), "SE", message);
            }
            findings.add(new DexFinding(DexFinding.Kind.SEGMENT_COUNT_MISMATCH, set.se.line(), "SE",
                    message + "; the G85 CRC matched, so the read is kept"));
        }
        if (!set.se.field(2).strip().equals(set.st.field(2).strip())) {
            findings.add(new DexFinding(DexFinding.Kind.CONTROL_NUMBER_MISMATCH, set.se.line(), "SE",
                    "SE02 '" + set.se.field(2) + "' differs from ST02 '" + set.st.field(2) + "'"));
        }
    }

    private static int decimalPoint(List<RawSegment> segments, List<DexFinding> findings) throws DexFormatException {
        Optional<RawSegment> id4 = segments.stream().filter(s -> s.id().equals("ID4")).findFirst();
        if (id4.isPresent()) {
            return SegmentReader.decimalPoint(id4.get());
        }
        findings.add(new DexFinding(DexFinding.Kind.DECIMAL_POINT_ASSUMED, 0, "ID4",
                "no ID4; amounts are read with 2 decimals"));
        return 2;
    }

    /** Types every segment, nesting LS..LE loops; a descriptive segment that will not read is kept raw. */
    private static List<DexSegment> typed(List<RawSegment> raws, SegmentReader reader, List<DexFinding> findings)
            throws DexFormatException {
        Deque<RawSegment> openLoops = new ArrayDeque<>();
        Deque<List<DexSegment>> contents = new ArrayDeque<>();
        contents.push(new ArrayList<>());
        for (RawSegment raw : raws) {
            switch (raw.id()) {
                case "LS" -> {
                    openLoops.push(raw);
                    contents.push(new ArrayList<>());
                }
                case "LE" -> {
                    if (openLoops.isEmpty() || !openLoops.peek().field(1).strip().equals(raw.field(1).strip())) {
                        throw new DexFormatException(Reason.BAD_STRUCTURE, raw.line(), "LE",
                                "LE '" + raw.field(1) + "' does not close the open loop");
                    }
                    RawSegment ls = openLoops.pop();
                    List<DexSegment> content = contents.pop();
                    contents.peek().add(new DexSegment.Loop(ls.line(), ls.field(1).strip(), List.copyOf(content)));
                }
                default -> contents.peek().add(readOne(raw, reader, findings));
            }
        }
        if (!openLoops.isEmpty()) {
            RawSegment ls = openLoops.peek();
            throw new DexFormatException(Reason.BAD_STRUCTURE, ls.line(), "LS", "loop '" + ls.field(1) + "' is never closed");
        }
        return List.copyOf(contents.pop());
    }

    private static DexSegment readOne(RawSegment raw, SegmentReader reader, List<DexFinding> findings)
            throws DexFormatException {
        if (raw.id().equals("G85")) {
            return new DexSegment.Crc(raw.line(), raw.field(1).strip(), true);
        }
        try {
            return reader.read(raw);
        } catch (DexFormatException e) {
            if (!SegmentReader.DESCRIPTIVE.contains(raw.id())) {
                throw e;
            }
            findings.add(new DexFinding(DexFinding.Kind.UNREADABLE_SEGMENT, raw.line(), raw.id(), e.getMessage()));
            return SegmentReader.unknown(raw);
        }
    }

    private static boolean opensEnvelope(String text) {
        String id = segmentId(text);
        return id.equals("DXS") || id.equals("ST");
    }

    private static String segmentId(String text) {
        int star = text.indexOf('*');
        return (star < 0 ? text : text.substring(0, star)).strip();
    }

    /** Control bytes inside the envelope are line noise from a failed transfer, not data. */
    private static void checkCharacters(DexLines.Line line) throws DexFormatException {
        String text = line.text();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7F) {
                throw new DexFormatException(Reason.BAD_CHARACTER, line.number(), segmentId(text),
                        String.format("control byte 0x%02X at column %d", (int) c, i + 1));
            }
        }
    }

    private static RawSegment segment(DexLines.Line line) throws DexFormatException {
        String[] parts = line.text().split("\\*", -1);
        String id = parts[0].strip();
        if (!SEGMENT_ID.matcher(id).matches()) {
            throw new DexFormatException(Reason.BAD_STRUCTURE, line.number(), "",
                    "'" + abbreviate(line.text()) + "' is not a segment");
        }
        return new RawSegment(line.number(), id, List.copyOf(Arrays.asList(parts).subList(1, parts.length)));
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
