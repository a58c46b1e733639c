package io.vendstream.history;

import org.apache.camel.Exchange;

/**
 * Who asked, as the HTTP server authenticated them: the platform-http consumer puts the Vert.x
 * user on the message; with authentication off there is none and the caller is "anonymous".
 */
final class Caller {

    static final String AUTHENTICATED_USER = "CamelVertxPlatformHttpAuthenticatedUser";
    static final String ANONYMOUS = "anonymous";

    private Caller() {
    }

    static String name(Exchange exchange) {
        Object user = exchange.getMessage().getHeader(AUTHENTICATED_USER);
        if (user instanceof io.vertx.ext.auth.User vertxUser) {
            String subject = vertxUser.subject();
            if (subject != null && !subject.isBlank()) {
                return subject;
            }
            Object username = vertxUser.principal().getValue("username");
            return username == null ? ANONYMOUS : username.toString();
        }
        return ANONYMOUS;
    }
}
