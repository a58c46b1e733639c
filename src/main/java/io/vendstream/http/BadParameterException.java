package io.vendstream.http;

/** A request parameter the API cannot accept; answered with 400 and the parameter's name. */
public final class BadParameterException extends RuntimeException {

    private final String parameter;

    public BadParameterException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
