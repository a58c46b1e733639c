package io.vendstream.dex;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One segment of the transaction set (between ST and SE), typed where vendstream reads it. Field
 * positions follow EVA-DTS (VA101 is the first field after "VA1") and were checked on the sample
 * reads. Money is in currency units (ID4's decimal point applied); an empty field is an empty
 * Optional, never zero, because "not reported" and "nothing sold" differ in reconciliation.
 */
public sealed interface DexSegment {

    /** 1-based line in the file as received. */
    int line();

    /** The segment id as written, e.g. "VA1". */
    String id();

    /** ID1: the machine. ID106 is the asset number in EVA-DTS 6 (Sielaff writes ID107/108 = 6/1). */
    record MachineId(int line, String serialNumber, String model, String buildStandard, String location,
                     String assetNumber) implements DexSegment {
        public String id() { return "ID1"; }
    }

    /** ID4: how money is written. */
    record Currency(int line, int decimalPoint, Optional<String> numericCode, Optional<String> alphaCode)
            implements DexSegment {
        public String id() { return "ID4"; }
    }

    /** ID5: the machine's clock when it was read. */
    record ReadTime(int line, Optional<LocalDateTime> at) implements DexSegment {
        public String id() { return "ID5"; }
    }

    /** VA1 (paid), VA2 (test) or VA3 (free) vends: value and number since initialisation and reset. */
    record VendTotals(int line, String id, Optional<BigDecimal> valueSinceInit, OptionalLong vendsSinceInit,
                      Optional<BigDecimal> valueSinceReset, OptionalLong vendsSinceReset) implements DexSegment {
    }

    /** PA1: a selection, its price and the product in it. */
    record Selection(int line, String selection, Optional<BigDecimal> price, String productId) implements DexSegment {
        public String id() { return "PA1"; }
    }

    /** PA2 (paid) or PA4 (free) vends of the selection above: number and value, since init and reset. */
    record SelectionVends(int line, String id, OptionalLong vendsSinceInit, Optional<BigDecimal> valueSinceInit,
                          OptionalLong vendsSinceReset, Optional<BigDecimal> valueSinceReset) implements DexSegment {
    }

    /** PA5: when the selection above last sold, and how often it was chosen while sold out. */
    record SelectionLastSale(int line, Optional<LocalDateTime> at, OptionalLong soldOutSelections)
            implements DexSegment {
        public String id() { return "PA5"; }
    }

    /** PA7: the selection's vends through one payment device (CA, DA, DB, TA) and price list. */
    record SelectionDeviceVends(int line, String selection, String device, String priceList,
                                Optional<BigDecimal> price, OptionalLong vendsSinceInit,
                                Optional<BigDecimal> valueSinceInit, OptionalLong vendsSinceReset,
                                Optional<BigDecimal> valueSinceReset) implements DexSegment {
        public String id() { return "PA7"; }
    }

    /** CA2: cash sales. */
    record CashSales(int line, Optional<BigDecimal> valueSinceInit, OptionalLong vendsSinceInit,
                     Optional<BigDecimal> valueSinceReset, OptionalLong vendsSinceReset) implements DexSegment {
        public String id() { return "CA2"; }
    }

    /** CA3: cash in, split into what went to the cash box, to the change tubes, and bills. */
    record CashIn(int line, Optional<BigDecimal> cashInSinceReset, Optional<BigDecimal> toBoxSinceReset,
                  Optional<BigDecimal> toTubesSinceReset, Optional<BigDecimal> billsInSinceReset,
                  Optional<BigDecimal> cashInSinceInit, Optional<BigDecimal> toBoxSinceInit,
                  Optional<BigDecimal> toTubesSinceInit, Optional<BigDecimal> billsInSinceInit) implements DexSegment {
        public String id() { return "CA3"; }
    }

    /** CA4: cash paid out as change, and paid out by hand from the tubes. */
    record CashOut(int line, Optional<BigDecimal> dispensedSinceReset, Optional<BigDecimal> manuallyDispensedSinceReset,
                   Optional<BigDecimal> dispensedSinceInit, Optional<BigDecimal> manuallyDispensedSinceInit)
            implements DexSegment {
        public String id() { return "CA4"; }
    }

    /**
     * CA15: value of the coins in the change tubes now, then a block number and the coin count of each
     * tube in that block, in tube order (both samples: block 1, tubes in the order of their CA17).
     */
    record TubeContents(int line, Optional<BigDecimal> value, String block, List<OptionalLong> coinsPerTube)
            implements DexSegment {
        public String id() { return "CA15"; }
    }

    /** CA17: one coin tube: its coin type number, coin value and the coins in it. */
    record CoinTube(int line, String coinType, Optional<BigDecimal> coinValue, OptionalLong coins)
            implements DexSegment {
        public String id() { return "CA17"; }
    }

    /** DA1 or DB1: cashless reader 1 or 2. */
    record CashlessReader(int line, String id, String serialNumber, String model, String softwareRevision)
            implements DexSegment {
    }

    /** DA2 or DB2: sales on cashless reader 1 or 2. */
    record CashlessSales(int line, String id, Optional<BigDecimal> valueSinceInit, OptionalLong vendsSinceInit,
                         Optional<BigDecimal> valueSinceReset, OptionalLong vendsSinceReset) implements DexSegment {
    }

    /** EA1: an event with its id and when it happened; the vendor-specific rest is kept as written. */
    record Event(int line, String eventId, Optional<LocalDateTime> at, List<String> details) implements DexSegment {
        public String id() { return "EA1"; }
    }

    /** EA2: how often an event happened; EA204 onwards (activity, duration) kept as written. */
    record EventCount(int line, String eventId, OptionalLong sinceReset, OptionalLong sinceInit, List<String> details)
            implements DexSegment {
        public String id() { return "EA2"; }
    }

    /** EA3: this read and the one before it. */
    record AuditReads(int line, OptionalLong readsWithResetSinceInit, Optional<LocalDateTime> thisRead,
                      String interrogator, Optional<LocalDateTime> previousRead, String previousInterrogator,
                      OptionalLong readsSinceInit, OptionalLong resetsSinceInit) implements DexSegment {
        public String id() { return "EA3"; }
    }

    /** EA7: power outages. */
    record PowerOutages(int line, OptionalLong sinceReset, OptionalLong sinceInit) implements DexSegment {
        public String id() { return "EA7"; }
    }

    /** LS..LE: a loop, kept whole with its id; its segments do not feed the read's totals. */
    record Loop(int line, String loopId, List<DexSegment> content) implements DexSegment {
        public String id() { return "LS"; }
    }

    /** G85: the CRC the machine computed, and whether ours agrees (a mismatch rejects the read). */
    record Crc(int line, String value, boolean verified) implements DexSegment {
        public String id() { return "G85"; }
    }

    /** Any other segment (MA5, CB1, CA11, vendor segments...), kept raw. */
    record Unknown(int line, String id, List<String> fields) implements DexSegment {
    }
}
