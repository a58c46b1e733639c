package io.vendstream.http;

import java.io.Console;

/**
 * Prints a PBKDF2 hash of a password for the users file or the password properties, so that no
 * clear password needs to be stored: {@code java -cp target/vendstream.jar io.vendstream.http.HashPassword}
 * asks for it without echo (or reads one line from standard input when there is no terminal).
 */
public final class HashPassword {

    private HashPassword() {
    }

    public static void main(String... args) throws Exception {
        Console console = System.console();
        String password;
        if (console != null) {
            char[] typed = console.readPassword("Password: ");
            password = typed == null ? "" : new String(typed);
        } else {
            password = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                    java.nio.charset.StandardCharsets.UTF_8)).readLine();
        }
        if (password == null || password.isEmpty()) {
            System.err.println("No password given");
            System.exit(2);
        }
        System.out.println(HttpUsers.hash(password));
    }
}
