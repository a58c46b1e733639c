package io.vendstream.dex;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a received file into its physical lines. CR LF, a lone LF and a lone CR all end a line,
 * because files reach us through handhelds, modems and mail gateways that each rewrite line ends.
 * Each line keeps its own terminator so the G85 CRC can also be checked over the bytes as received.
 */
final class DexLines {

    /** One physical line; {@code terminator} is empty only for a last line that has none. */
    record Line(int number, String text, String terminator) {
        boolean blank() {
            return text.isBlank();
        }
    }

    private DexLines() {
    }

    static List<Line> split(String content) {
        List<Line> lines = new ArrayList<>();
        int start = 0;
        int number = 1;
        int i = 0;
        while (i < content.length()) {
            char c = content.charAt(i);
            if (c == '\r' || c == '\n') {
                int end = i;
                i += (c == '\r' && i + 1 < content.length() && content.charAt(i + 1) == '\n') ? 2 : 1;
                lines.add(new Line(number++, content.substring(start, end), content.substring(end, i)));
                start = i;
            } else {
                i++;
            }
        }
        if (start < content.length()) {
            lines.add(new Line(number, content.substring(start), ""));
        }
        return lines;
    }
}
