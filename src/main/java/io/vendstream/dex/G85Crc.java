package io.vendstream.dex;

import java.nio.charset.StandardCharsets;

/**
 * The CRC in a DEX file's G85 segment: CRC-16/ARC (polynomial 0x8005 reflected as 0xA001, initial
 * value 0, no final XOR), over every byte from the "S" of ST up to and including the line end before
 * G85, with CR LF line ends as the standard sends them. Checked against the two sample reads that
 * carry a G85 (animo: B9AE, rhevendors: F4D0): both match only this way, once their LF line ends are
 * put back to CR LF.
 */
public final class G85Crc {

    private G85Crc() {
    }

    public static int crc16(byte[] bytes) {
        int crc = 0;
        for (byte b : bytes) {
            crc ^= b & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xA001 : crc >>> 1;
            }
        }
        return crc;
    }

    /** The CRC of text whose characters are single bytes (DEX is ASCII; read as ISO-8859-1). */
    public static int crc16(CharSequence text) {
        return crc16(text.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** As G85 writes it: four upper-case hex digits. */
    public static String hex(int crc) {
        return String.format("%04X", crc & 0xFFFF);
    }
}
