package io.vendstream.dex;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One selection (PA1) with the counters that follow it: paid vends (PA2), free vends (PA4), last
 * sale (PA5) and vends per payment device (PA7). {@code line} is the PA1's line.
 */
public record DexSelection(int line, String selection, String productId, Optional<BigDecimal> price,
                           OptionalLong vendsSinceInit, Optional<BigDecimal> valueSinceInit,
                           OptionalLong vendsSinceReset, Optional<BigDecimal> valueSinceReset,
                           OptionalLong freeVendsSinceInit, OptionalLong freeVendsSinceReset,
                           Optional<LocalDateTime> lastSale, List<DexSegment.SelectionDeviceVends> byDevice) {
}
