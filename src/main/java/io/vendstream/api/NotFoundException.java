package io.vendstream.api;

/** The request names something that does not exist (an alert id); answered with 404 and the parameter's name. */
public final class NotFoundException extends RuntimeException {

    private final String parameter;

    public NotFoundException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
