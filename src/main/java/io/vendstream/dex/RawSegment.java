package io.vendstream.dex;

import java.util.List;

/** A segment as it stands in the file: its id, its fields after the id, and where it is. */
record RawSegment(int line, String id, List<String> fields) {

    /** Field n as DEX numbers it (VA101 is field 1 of VA1); empty when the file stops before it. */
    String field(int n) {
        return n >= 1 && n <= fields.size() ? fields.get(n - 1) : "";
    }
}
