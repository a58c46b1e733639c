package io.vendstream.http;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.vendstream.config.StartupException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.HashingStrategy;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;

/**
 * The people who may use the dashboard and the API, with their roles: {@value #VIEWER} (reads)
 * and {@value #OPERATOR} (every write, and every read). A Vert.x authentication provider, so the
 * HTTP server checks credentials against it the way it checks Camel's basic-auth file.
 *
 * <p>Users come from a file in the format of Vert.x's {@code PropertyFileAuthentication} (the
 * file {@code camel.server.basic-properties-file} takes): {@code user.<name> = <password>,<role>...};
 * {@code role.*} lines are allowed and ignored. Or one viewer and one operator come from
 * properties (environment variables). A password may be given in clear or, better, as a PBKDF2
 * hash ({@code $pbkdf2$...}, see {@link HashPassword}), verified with Vert.x's hashing strategy;
 * Vert.x's own property-file provider only compares clear text, hence this provider.
 */
public final class HttpUsers implements AuthenticationProvider {

    public static final String VIEWER = "viewer";
    public static final String OPERATOR = "operator";
    private static final Set<String> ROLES = Set.of(VIEWER, OPERATOR);
    private static final String HASH_PREFIX = "$pbkdf2$";
    private static final HashingStrategy HASHING = HashingStrategy.load();

    private record Account(String name, String secret, Set<String> roles) {
    }

    private final Map<String, Account> accounts;
    // a digest of the last password that verified per hashed account, so the dashboard's polling does
    // not pay for PBKDF2 on every request; kept in memory only
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

    private HttpUsers(Map<String, Account> accounts) {
        this.accounts = Map.copyOf(accounts);
    }

    /**
     * @param file       a users file, or blank for none
     * @param fromConfig pairs of (role, user, password) from properties; blank users are skipped
     */
    public static HttpUsers load(String file, List<String[]> fromConfig) {
        Map<String, Account> accounts = new LinkedHashMap<>();
        if (!file.isBlank()) {
            readFile(Path.of(file), accounts);
        }
        for (String[] entry : fromConfig) {
            String role = entry[0];
            String name = entry[1].trim();
            String password = entry[2];
            if (name.isEmpty() && password.isEmpty()) {
                continue;
            }
            if (name.isEmpty() || password.isEmpty()) {
                throw new StartupException("vendstream.http." + role + ".user and vendstream.http." + role
                        + ".password must be set together (env VENDSTREAM_HTTP_" + role.toUpperCase() + "_USER and _PASSWORD).");
            }
            add(accounts, new Account(name, password, Set.of(role)), "vendstream.http." + role + ".user");
        }
        return new HttpUsers(accounts);
    }

    private static void readFile(Path path, Map<String, Account> accounts) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new StartupException("The users file " + path.toAbsolutePath() + " (vendstream.http.users-file) cannot be read: "
                    + e.getMessage());
        }
        for (String key : props.stringPropertyNames()) {
            if (!key.startsWith("user.")) {
                continue;
            }
            String name = key.substring("user.".length());
            String[] parts = props.getProperty(key).split(",");
            Set<String> roles = new LinkedHashSet<>();
            for (int i = 1; i < parts.length; i++) {
                String role = parts[i].trim();
                if (!ROLES.contains(role)) {
                    throw new StartupException("User " + name + " in " + path + " has the role '" + role
                            + "'; the roles are " + VIEWER + " and " + OPERATOR + ".");
                }
                roles.add(role);
            }
            if (name.isEmpty() || parts[0].isEmpty() || roles.isEmpty()) {
                throw new StartupException("The entry " + key + " in " + path + " must read user.<name> = <password>,<role>"
                        + " (roles: " + VIEWER + ", " + OPERATOR + ").");
            }
            add(accounts, new Account(name, parts[0].trim(), roles), path.toString());
        }
    }

    private static void add(Map<String, Account> accounts, Account account, String source) {
        if (account.secret().startsWith("$") && !account.secret().startsWith(HASH_PREFIX)) {
            throw new StartupException("The password of " + account.name() + " (" + source + ") looks like a hash but not a "
                    + "PBKDF2 one ($pbkdf2$...); make one with: java -cp vendstream.jar " + HashPassword.class.getName());
        }
        if (accounts.putIfAbsent(account.name(), account) != null) {
            throw new StartupException("The user " + account.name() + " is defined twice (" + source + ").");
        }
    }

    public boolean isEmpty() {
        return accounts.isEmpty();
    }

    /** The number of users per role, for the start-up log (never their names or passwords). */
    public String summary() {
        long operators = accounts.values().stream().filter(a -> a.roles().contains(OPERATOR)).count();
        long viewers = accounts.values().stream().filter(a -> !a.roles().contains(OPERATOR)).count();
        return operators + " operator(s), " + viewers + " viewer(s)";
    }

    /** The roles of the user whose name and password match, or empty. */
    public Optional<Set<String>> check(String name, String password) {
        Account account = accounts.get(name);
        if (account == null || password == null) {
            return Optional.empty();
        }
        return matches(account, password) ? Optional.of(account.roles()) : Optional.empty();
    }

    private boolean matches(Account account, String password) {
        byte[] given = password.getBytes(StandardCharsets.UTF_8);
        if (!account.secret().startsWith(HASH_PREFIX)) {
            return MessageDigest.isEqual(given, account.secret().getBytes(StandardCharsets.UTF_8));
        }
        byte[] digest = sha256(given);
        byte[] known = verified.get(account.name());
        if (known != null && MessageDigest.isEqual(known, digest)) {
            return true;
        }
        boolean ok = HASHING.verify(account.secret(), password);
        if (ok) {
            verified.put(account.name(), digest);
        }
        return ok;
    }

    /** A PBKDF2 hash of the password with a random salt, in the form the users file and properties accept. */
    public static String hash(String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return HASHING.hash("pbkdf2", Map.of("it", "210000"), Base64.getEncoder().withoutPadding().encodeToString(salt),
                password);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Vert.x form: credentials {@code {"username", "password"}}; the user carries its roles. */
    @Override
    public void authenticate(JsonObject credentials, Handler<AsyncResult<User>> resultHandler) {
        String name = credentials.getString("username");
        Optional<Set<String>> roles = check(name, credentials.getString("password"));
        resultHandler.handle(roles.isPresent()
                ? Future.succeededFuture(user(name, roles.get()))
                : Future.failedFuture("invalid username or password"));
    }

    static User user(String name, Set<String> roles) {
        return User.create(new JsonObject().put("username", name).put("roles", new JsonArray(List.copyOf(roles))));
    }
}
