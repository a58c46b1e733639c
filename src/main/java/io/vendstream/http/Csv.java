package io.vendstream.http;

/** RFC 4180 fields: quoted when they hold a comma, quote or line break; a leading = + - @ is defused. */
public final class Csv {
    private Csv() {
    }

    public static String row(Object... values) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                line.append(',');
            }
            line.append(field(values[i]));
        }
        return line.append("\r\n").toString();
    }

    public static String field(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        if (!(value instanceof Number) && !text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0) {
            // a spreadsheet would run it as a formula
            text = "'" + text;
        }
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }
}
