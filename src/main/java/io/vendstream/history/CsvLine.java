package io.vendstream.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One CSV line as RFC 4180 reads it: comma-separated cells, a cell in double quotes may hold commas
 * and doubled quotes. A quoted cell cannot span lines (each line is one record).
 */
final class CsvLine {

    /** The fields of event contract v1: the column names a CSV header may use. */
    static final Set<String> CONTRACT_FIELDS = Set.of("eventId", "type", "machineId", "location", "product", "category",
            "unitPrice", "currency", "quantity", "paymentMethod", "stockAfter", "occurredAt");

    private CsvLine() {
    }

    /** The cells of a line, or null when a quote is not closed or stray text follows one. */
    static List<String> parse(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        return null;
                    }
                    char ch = line.charAt(i++);
                    if (ch == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            cell.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        cell.append(ch);
                    }
                }
                if (i < n && line.charAt(i) != ',') {
                    return null;
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    cell.append(line.charAt(i++));
                }
            }
            cells.add(cell.toString());
            cell.setLength(0);
            if (i >= n) {
                return cells;
            }
            i++; // the comma
        }
    }
}
