package io.vendstream.config;

/**
 * A start-up failure whose message alone tells the user the cause and the setting to change.
 * The application prints it as one line instead of a stack trace.
 */
public class StartupException extends RuntimeException {

    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
