package io.vendstream;

/** Starts vendstream: embedded or external infrastructure, then the routes in {@code routes/}. */
public final class Application {

    private Application() {
    }

    public static void main(String... args) {
        System.exit(Lifecycle.runUntilSignalled(args));
    }
}
