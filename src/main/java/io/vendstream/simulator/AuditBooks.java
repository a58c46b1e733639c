package io.vendstream.simulator;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

import io.vendstream.dex.DexWriter;

/**
 * One simulated machine's own books, as its controller keeps them for a DEX audit: paid vends and
 * their value per selection, cash and cashless, since the simulation started ("since
 * initialisation") and since the last read ("since reset", cleared by each read, as interim
 * counters are). Every sale is counted here whether or not its event reaches vendstream.
 */
final class AuditBooks {

    private static final String IDR_NUMERIC = "360";

    private final String machineId;
    private final List<Fleet.Product> products;
    private final long[] vendsInit;
    private final BigDecimal[] valueInit;
    private final long[] vendsReset;
    private final BigDecimal[] valueReset;
    private final DexWriter.Sales[] cash = {DexWriter.Sales.NONE, DexWriter.Sales.NONE};
    private final DexWriter.Sales[] cashless = {DexWriter.Sales.NONE, DexWriter.Sales.NONE};
    private long reads;

    AuditBooks(String machineId, List<Fleet.Product> products) {
        this.machineId = machineId;
        this.products = products;
        this.vendsInit = new long[products.size()];
        this.vendsReset = new long[products.size()];
        this.valueInit = new BigDecimal[products.size()];
        this.valueReset = new BigDecimal[products.size()];
        java.util.Arrays.fill(valueInit, BigDecimal.ZERO);
        java.util.Arrays.fill(valueReset, BigDecimal.ZERO);
    }

    /** A sale at the machine: {@code quantity} vends of product {@code index}, paid this way. */
    void sold(int index, int quantity, BigDecimal price, String paymentMethod) {
        BigDecimal amount = price.multiply(BigDecimal.valueOf(quantity));
        vendsInit[index] += quantity;
        vendsReset[index] += quantity;
        valueInit[index] = valueInit[index].add(amount);
        valueReset[index] = valueReset[index].add(amount);
        DexWriter.Sales[] way = "cash".equals(paymentMethod) ? cash : cashless;
        way[0] = plus(way[0], quantity, amount);
        way[1] = plus(way[1], quantity, amount);
    }

    /** The audit read a driver takes at {@code time}, as DEX text; clears the since-reset counters. */
    String read(LocalDateTime time) {
        reads++;
        List<DexWriter.Selection> selections = new ArrayList<>();
        for (int i = 0; i < products.size(); i++) {
            Fleet.Product p = products.get(i);
            selections.add(new DexWriter.Selection(String.valueOf(10 + i), p.name(), p.price(),
                    new DexWriter.Sales(vendsInit[i], valueInit[i]), new DexWriter.Sales(vendsReset[i], valueReset[i])));
        }
        DexWriter.Audit audit = new DexWriter.Audit(machineId, "VST-SIM", machineId, 2, IDR_NUMERIC, "IDR", time,
                plus(cash[0], cashless[0].vends(), cashless[0].value()), plus(cash[1], cashless[1].vends(), cashless[1].value()),
                cash[0], cash[1], cashless[0], cashless[1], selections, reads);
        String text = DexWriter.write(audit);
        java.util.Arrays.fill(vendsReset, 0);
        java.util.Arrays.fill(valueReset, BigDecimal.ZERO);
        cash[1] = DexWriter.Sales.NONE;
        cashless[1] = DexWriter.Sales.NONE;
        return text;
    }

    private static DexWriter.Sales plus(DexWriter.Sales sales, long vends, BigDecimal value) {
        return new DexWriter.Sales(sales.vends() + vends, sales.value().add(value));
    }
}
