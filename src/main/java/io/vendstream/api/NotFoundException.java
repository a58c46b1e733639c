package io.vendstream.api;

/**
 * A path parameter that names nothing that exists (e.g. an unknown rejection id): answered with 404
 * instead of 400, with the same {"error","parameter"} body.
 */
public final class NotFoundException extends BadParameterException {

    public NotFoundException(String parameter, String message) {
        super(parameter, message);
    }
}
