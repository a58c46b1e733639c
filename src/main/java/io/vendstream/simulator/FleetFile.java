package io.vendstream.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the fleet file: the editable {@code config/fleet.yaml}, or the campus built into the jar. */
public final class FleetFile {

    /** The built-in campus: the build packs {@code config/fleet.yaml} into the jar under this name, for a jar started from elsewhere and for tests. */
    public static final String BUILT_IN = "simulator/fleet.yaml";
    /** The default path, relative to the working directory; missing when the jar runs elsewhere. */
    public static final String DEFAULT_PATH = "config/fleet.yaml";

    private static final Logger LOG = LoggerFactory.getLogger(FleetFile.class);
    // a misspelt key in a hand-edited file should be an error, not silently a default
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private FleetFile() {
    }

    /** The file at {@code path} if it exists, otherwise the built-in campus. */
    public static Fleet load(String path) {
        if (path != null && !path.isBlank() && Files.isRegularFile(Path.of(path))) {
            try (InputStream in = Files.newInputStream(Path.of(path))) {
                Fleet fleet = parse(in, path);
                LOG.debug("Read {} machines at {} locations from {}", fleet.machines().size(), fleet.locations().size(), path);
                return fleet;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read fleet file " + path, e);
            }
        }
        if (path != null && !path.isBlank() && !DEFAULT_PATH.equals(path)) {
            // a path someone typed on purpose: falling back quietly would hide the typo
            throw new IllegalArgumentException("Fleet file " + Path.of(path).toAbsolutePath()
                    + " does not exist (vendstream.simulator.fleet-file)");
        }
        LOG.debug("Fleet file {} not found; using the built-in campus", path);
        return builtIn();
    }

    public static Fleet builtIn() {
        try (InputStream in = FleetFile.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + BUILT_IN + " is missing");
            }
            return parse(in, "classpath:" + BUILT_IN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Fleet parse(InputStream in, String source) {
        try {
            return YAML.readValue(in, Fleet.class).validated(source);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Fleet file " + source + " cannot be read: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read fleet file " + source, e);
        }
    }
}
