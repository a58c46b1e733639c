package io.vendstream.http;

/** The resource a request names does not exist (a rejection, an alert); answered with 404 and the parameter naming it. */
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
