package io.vendstream.http;

/** A write the current state does not allow (e.g. registering a device that is registered); answered with 409. */
public final class ConflictException extends RuntimeException {

    private final String parameter;

    public ConflictException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
