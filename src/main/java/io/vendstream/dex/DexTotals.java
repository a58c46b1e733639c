package io.vendstream.dex;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The sales totals of one read over one period (since initialisation or since the last reset).
 * paid = VA1, cash = CA2, cashless = DA2 + DB2 (the fields either reader reports). A total the file
 * does not give is empty, not zero.
 */
public record DexTotals(OptionalLong paidVends, Optional<BigDecimal> paidValue,
                        OptionalLong cashVends, Optional<BigDecimal> cashValue,
                        OptionalLong cashlessVends, Optional<BigDecimal> cashlessValue) {
}
