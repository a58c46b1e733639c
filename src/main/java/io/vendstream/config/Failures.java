package io.vendstream.config;

/** How a failure is told in one line of a log or an error answer: by its innermost cause. */
public final class Failures {

    private Failures() {
    }

    public static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** The innermost cause's message, or its type when it has none. */
    public static String rootMessage(Throwable e) {
        Throwable t = rootCause(e);
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
