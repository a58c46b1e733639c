package io.vendstream.config;

import java.util.Locale;
import java.util.Optional;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;

/**
 * The one way Java code reads vendstream's settings: through Camel's properties component, so an
 * environment variable or a {@code -D} system property overrides {@code application.properties}.
 *
 * <p>It has no defaults of its own. Every key has its default, with its comment, in
 * {@code application.properties}; a key missing there is a mistake in the build and fails the
 * start with its name. Values are trimmed; an empty value is returned as empty text (it means
 * "not set", e.g. {@code vendstream.db.url} empty = embedded PostgreSQL) and is an error where a
 * number or a flag is asked for.
 */
public final class Settings {

    private final PropertiesComponent properties;

    public Settings(CamelContext context) {
        this.properties = context.getPropertiesComponent();
    }

    /** The value, trimmed; possibly empty. */
    public String text(String key) {
        return optional(key).orElseThrow(() -> new StartupException("Setting " + key
                + " is missing: application.properties must define it (with its default and a comment)."));
    }

    /** The value of a key that need not exist, trimmed. */
    public Optional<String> optional(String key) {
        return properties.resolveProperty(key).map(String::trim);
    }

    public int integer(String key) {
        long value = longInteger(key);
        if (value != (int) value) {
            throw new StartupException("Setting " + key + " is too large: " + value + ".");
        }
        return (int) value;
    }

    public long longInteger(String key) {
        String value = text(key);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new StartupException("Setting " + key + " must be a whole number, not '" + value + "'.");
        }
    }

    /** {@code true} or {@code false}, in any case; anything else is an error rather than false. */
    public boolean flag(String key) {
        String value = text(key).toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new StartupException("Setting " + key + " must be true or false, not '" + value + "'.");
        }
        return Boolean.parseBoolean(value);
    }
}
