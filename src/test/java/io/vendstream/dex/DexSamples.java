package io.vendstream.dex;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/** The real sample reads in src/test/resources/dex/samples, and small hand-made files for edge cases. */
public final class DexSamples {

    private DexSamples() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = DexSamples.class.getResourceAsStream("/dex/samples/" + name + ".eva_dts")) {
            if (in == null) {
                throw new IllegalStateException("no sample " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.ISO_8859_1);
    }

    /** A complete file around the given segments: DXS, ST, the segments, SE with the right count, DXE; no G85. */
    static String file(String... segments) {
        List<String> lines = new ArrayList<>();
        lines.add("DXS*VST0000001*VA*V1/1*1");
        lines.add("ST*001*0001");
        lines.addAll(List.of(segments));
        lines.add("SE*" + (segments.length + 2) + "*0001");
        lines.add("DXE*1*1");
        return String.join("\r\n", lines) + "\r\n";
    }

    /** As {@link #file}, with a correct G85 before SE. */
    static String fileWithCrc(String... segments) {
        StringBuilder covered = new StringBuilder("ST*001*0001\r\n");
        for (String s : segments) {
            covered.append(s).append("\r\n");
        }
        String g85 = "G85*" + G85Crc.hex(G85Crc.crc16(covered));
        return "DXS*VST0000001*VA*V1/1*1\r\n" + covered + g85 + "\r\n" + "SE*" + (segments.length + 3) + "*0001\r\nDXE*1*1\r\n";
    }

    /**
     * A sound read by the machine with {@code serial}, taken {@code at}: one selection (Water at
     * 5,000 a vend, all paid in cash) with the given vends since initialisation and since reset.
     */
    public static String soundRead(String serial, ZonedDateTime at, long vendsSinceInit, long vendsSinceReset) {
        return soundRead(serial, at, "Water", vendsSinceInit, vendsSinceReset);
    }

    /** The same, with another product in selection 10. */
    static String soundRead(String serial, ZonedDateTime at, String product, long vendsSinceInit, long vendsSinceReset) {
        BigDecimal price = new BigDecimal("5000.00");
        DexWriter.Sales init = new DexWriter.Sales(vendsSinceInit, price.multiply(BigDecimal.valueOf(vendsSinceInit)));
        DexWriter.Sales reset = new DexWriter.Sales(vendsSinceReset, price.multiply(BigDecimal.valueOf(vendsSinceReset)));
        return DexWriter.write(DexWriter.consistentAudit(serial, at.toLocalDateTime(),
                List.of(new DexWriter.Selection("10", product, price, init, reset)), init, reset,
                DexWriter.Sales.NONE, DexWriter.Sales.NONE, 1));
    }
}
