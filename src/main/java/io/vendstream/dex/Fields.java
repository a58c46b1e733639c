package io.vendstream.dex;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads typed values out of one segment. An empty field means "not reported" and comes back empty;
 * a field that is there but is not a number is a {@link DexFormatException.Reason#BAD_NUMBER} naming
 * the line and the segment, because a guessed counter would turn into a false reconciliation finding.
 */
final class Fields {

    /** More digits than this could overflow a long; no audit counter is that large. */
    private static final int MAX_DIGITS = 18;

    private final RawSegment segment;
    private final int decimalPoint;

    Fields(RawSegment segment, int decimalPoint) {
        this.segment = segment;
        this.decimalPoint = decimalPoint;
    }

    /** Text fields lose the trailing blanks that fixed-width controllers pad them with. */
    String text(int n) {
        return segment.field(n).strip();
    }

    Optional<String> optionalText(int n) {
        String text = text(n);
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    OptionalLong count(int n) throws DexFormatException {
        String raw = segment.field(n).strip();
        if (raw.isEmpty()) {
            return OptionalLong.empty();
        }
        if (raw.length() > MAX_DIGITS || !raw.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(n, "'" + raw + "' is not a whole number");
        }
        return OptionalLong.of(Long.parseLong(raw));
    }

    /** Money in currency units: the field's integer moved left by ID4's decimal point. */
    Optional<BigDecimal> money(int n) throws DexFormatException {
        OptionalLong units = count(n);
        return units.isPresent() ? Optional.of(BigDecimal.valueOf(units.getAsLong(), decimalPoint)) : Optional.empty();
    }

    /** Date and time fields as DEX writes them: YYYYMMDD or YYMMDD, then HHMM or HHMMSS. */
    Optional<LocalDateTime> dateTime(int dateField, int timeField) throws DexFormatException {
        String date = text(dateField);
        if (date.isEmpty()) {
            return Optional.empty();
        }
        String time = text(timeField);
        try {
            return Optional.of(LocalDateTime.of(date(date), time.isEmpty() ? LocalTime.MIDNIGHT : time(time)));
        } catch (DateTimeException | NumberFormatException e) {
            throw bad(dateField, "'" + date + "*" + time + "' is not a DEX date and time");
        }
    }

    private static LocalDate date(String text) {
        if (!text.chars().allMatch(Character::isDigit)) {
            throw new DateTimeException(text);
        }
        if (text.length() == 8) {
            return LocalDate.of(Integer.parseInt(text.substring(0, 4)), Integer.parseInt(text.substring(4, 6)),
                    Integer.parseInt(text.substring(6, 8)));
        }
        if (text.length() == 6) {
            // Two-digit years: older controllers (rhevendors) still write them; 70..99 are 19xx.
            int yy = Integer.parseInt(text.substring(0, 2));
            return LocalDate.of(yy >= 70 ? 1900 + yy : 2000 + yy, Integer.parseInt(text.substring(2, 4)),
                    Integer.parseInt(text.substring(4, 6)));
        }
        throw new DateTimeException(text);
    }

    private static LocalTime time(String text) {
        if (!text.chars().allMatch(Character::isDigit) || (text.length() != 4 && text.length() != 6)) {
            throw new DateTimeException(text);
        }
        int seconds = text.length() == 6 ? Integer.parseInt(text.substring(4, 6)) : 0;
        return LocalTime.of(Integer.parseInt(text.substring(0, 2)), Integer.parseInt(text.substring(2, 4)), seconds);
    }

    private DexFormatException bad(int n, String why) {
        return new DexFormatException(DexFormatException.Reason.BAD_NUMBER, segment.line(), segment.id(),
                String.format("%s%02d %s", segment.id(), n, why));
    }
}
