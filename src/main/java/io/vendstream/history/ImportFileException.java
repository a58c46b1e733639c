package io.vendstream.history;

/** A dropped file that cannot be imported as it is (no header, not readable): it moves to failed/ with this reason. */
public final class ImportFileException extends RuntimeException {

    public ImportFileException(String message) {
        super(message);
    }
}
