package io.vendstream.http;

import org.apache.camel.Exchange;

/**
 * Who made a request, the one way every bean learns it: the name the HTTP access gate
 * ({@link AccessGate}) put in the header {@value #HEADER} after authenticating the request (a client's
 * own header of that name is removed first); where Camel's own authentication
 * ({@code camel.server.authentication*}) signed the request in instead, the Vert.x user it put in
 * {@value #AUTHENTICATED_USER}; otherwise {@value #ANONYMOUS}.
 */
public final class Caller {

    /** The exchange header with the name of the user who made the request. */
    public static final String HEADER = AccessGate.USER_HEADER;
    /**
     * The exchange header with the machine id of a machine that signed in with its own
     * credentials (absent for people); set only by the access gate.
     */
    public static final String DEVICE_HEADER = AccessGate.DEVICE_HEADER;
    /** The name of a request nobody was asked to sign in for. */
    public static final String ANONYMOUS = AccessGate.ANONYMOUS;
    /** Where Camel's platform-http puts the Vert.x user an authentication handler signed in. */
    public static final String AUTHENTICATED_USER = "CamelVertxPlatformHttpAuthenticatedUser";

    private Caller() {
    }

    /** The caller of this exchange's request. */
    public static String name(Exchange exchange) {
        return name(exchange.getMessage().getHeader(HEADER, String.class), exchange.getMessage().getHeader(AUTHENTICATED_USER));
    }

    /** The caller from the gate's header and the Vert.x user, {@value #ANONYMOUS} when neither names one. */
    public static String name(String gateHeader, Object vertxUser) {
        if (gateHeader != null && !gateHeader.isBlank() && !gateHeader.equals(ANONYMOUS)) {
            return gateHeader;
        }
        if (vertxUser instanceof io.vertx.ext.auth.User user) {
            String subject = user.subject();
            if (subject != null && !subject.isBlank()) {
                return subject;
            }
            Object username = user.principal().getValue("username");
            if (username != null && !username.toString().isBlank()) {
                return username.toString();
            }
        }
        return ANONYMOUS;
    }

    /** Whether nobody signed in for the request. */
    public static boolean isAnonymous(String name) {
        return ANONYMOUS.equals(name);
    }
}
