package io.vendstream.support;

import java.time.ZoneId;

/** The campus the tests run for: its time zone is the default vendstream.timezone. */
public final class Campus {

    /** The campus time zone, as written in settings and answers. */
    public static final String TIME_ZONE = "Asia/Jakarta";

    /** The campus time zone. */
    public static final ZoneId ZONE = ZoneId.of(TIME_ZONE);

    private Campus() {
    }
}
