package io.vendstream.restock;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vendstream.config.StartupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The par levels of the fleet's slots, read once at start-up from the planogram file
 * ({@code vendstream.restock.planogram-file}, {@code config/planogram.yaml}):
 * <pre>
 * machines:
 *   "ENG-01":            # one machine
 *     "Aqua 600ml": 16
 *   "ENG-*":             # a pattern: * any run of characters, ? one character
 *     "Aqua 600ml": 14
 *     "Pop Mie Ayam Bawang": 8
 * </pre>
 * For each product, the entry that decides is the most specific one that lists that product: an
 * exact machine id first, then the pattern with the most literal characters, then the one written
 * first. A slot no entry lists has no configured par; the API then infers it from stock.
 */
public final class Planogram {

    /** The default path, relative to the working directory; missing means every par is inferred. */
    public static final String DEFAULT_PATH = "config/planogram.yaml";

    private static final Logger LOG = LoggerFactory.getLogger(Planogram.class);
    private static final YAMLFactory YAML = new YAMLFactory();
    // the event contract's machine id characters, plus the two wildcards
    private static final Pattern MACHINE_PATTERN = Pattern.compile("[A-Za-z0-9._*?-]{1,64}");
    private static final int MAX_PAR = 1000;

    private record Entry(String pattern, Pattern regex, boolean exact, int literals, int order, Map<String, Integer> pars) {
    }

    private final List<Entry> entries;

    private Planogram(List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing((Entry e) -> !e.exact()).thenComparing(e -> -e.literals()).thenComparing(Entry::order));
        this.entries = Collections.unmodifiableList(sorted);
    }

    public static Planogram empty() {
        return new Planogram(List.of());
    }

    /** Reads the file at {@code path}; the default path may be missing (every par inferred), any other may not. */
    public static Planogram load(String path) {
        Path file = Path.of(path == null || path.isBlank() ? DEFAULT_PATH : path.trim());
        if (!Files.isRegularFile(file)) {
            if (file.equals(Path.of(DEFAULT_PATH))) {
                LOG.info("No planogram file at {}: every par level is inferred from restocks", file.toAbsolutePath());
                return empty();
            }
            throw new StartupException("Planogram file " + file.toAbsolutePath()
                    + " does not exist (vendstream.restock.planogram-file)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            Planogram planogram = parse(in, file.toString());
            LOG.info("Read par levels for {} machine entries from {}", planogram.entries.size(), file);
            return planogram;
        } catch (IOException e) {
            throw new StartupException("Planogram file " + file.toAbsolutePath() + " cannot be read: " + e.getMessage(), e);
        }
    }

    static Planogram parse(InputStream in, String source) {
        try (JsonParser p = YAML.createParser(in)) {
            List<Entry> entries = new ArrayList<>();
            JsonToken first = p.nextToken();
            if (first == null) {
                return empty();
            }
            expect(p, first == JsonToken.START_OBJECT, source, "the file must be a mapping with the key 'machines'");
            boolean seenMachines = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                expect(p, "machines".equals(key), source, "unknown key '" + key + "' (the only key is 'machines')");
                expect(p, !seenMachines, source, "'machines' is given twice");
                seenMachines = true;
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_NULL) {
                    continue;
                }
                expect(p, value == JsonToken.START_OBJECT, source, "'machines' must map machine ids or patterns to products");
                Set<String> patterns = new HashSet<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String pattern = p.currentName();
                    expect(p, MACHINE_PATTERN.matcher(pattern).matches(), source, "'" + pattern
                            + "' is not a machine id or pattern (1-64 characters of A-Z a-z 0-9 . _ - and the wildcards * ?)");
                    expect(p, patterns.add(pattern), source, "machine '" + pattern + "' is listed twice");
                    JsonToken products = p.nextToken();
                    expect(p, products == JsonToken.START_OBJECT, source, "machine '" + pattern
                            + "' must map product names to par levels");
                    Map<String, Integer> pars = new LinkedHashMap<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String product = p.currentName();
                        expect(p, !product.isBlank() && product.length() <= 100, source,
                                "product names are 1-100 characters ('" + product + "')");
                        expect(p, !pars.containsKey(product), source, "product '" + product + "' is listed twice for '" + pattern + "'");
                        JsonToken par = p.nextToken();
                        expect(p, par == JsonToken.VALUE_NUMBER_INT && p.getValueAsLong() >= 0 && p.getValueAsLong() <= MAX_PAR,
                                source, "the par of '" + product + "' for '" + pattern + "' must be a whole number from 0 to "
                                        + MAX_PAR + " (was " + p.getText() + ")");
                        pars.put(product, p.getIntValue());
                    }
                    entries.add(entry(pattern, entries.size(), pars));
                }
            }
            return new Planogram(entries);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new StartupException("Planogram file " + source + (at == null ? "" : " line " + at.getLineNr())
                    + ": not valid YAML: " + e.getOriginalMessage() + " (vendstream.restock.planogram-file)", e);
        } catch (IOException e) {
            throw new StartupException("Planogram file " + source + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static void expect(JsonParser p, boolean condition, String source, String problem) {
        if (!condition) {
            throw new StartupException("Planogram file " + source + " line " + p.currentLocation().getLineNr() + ": " + problem
                    + " (vendstream.restock.planogram-file)");
        }
    }

    private static Entry entry(String pattern, int order, Map<String, Integer> pars) {
        boolean exact = pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0;
        StringBuilder regex = new StringBuilder();
        int literals = 0;
        for (char ch : pattern.toCharArray()) {
            if (ch == '*') {
                regex.append(".*");
            } else if (ch == '?') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(ch)));
                literals++;
            }
        }
        return new Entry(pattern, Pattern.compile(regex.toString()), exact, literals, order, Collections.unmodifiableMap(pars));
    }

    /** A configured par and the entry (machine id or pattern) it comes from. */
    public record Par(int units, String source) {
    }

    /** The configured par of this slot, or null when no entry lists it. */
    public Par par(String machineId, String product) {
        for (Entry e : entries) {
            Integer units = e.pars().get(product);
            if (units != null && e.regex().matcher(machineId).matches()) {
                return new Par(units, e.pattern());
            }
        }
        return null;
    }

    /** Every product some matching entry lists for this machine, in file order of the deciding entries. */
    public Set<String> products(String machineId) {
        Set<String> products = new LinkedHashSet<>();
        for (Entry e : entries) {
            if (e.regex().matcher(machineId).matches()) {
                products.addAll(e.pars().keySet());
            }
        }
        return products;
    }
}
