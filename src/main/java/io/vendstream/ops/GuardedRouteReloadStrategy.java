package io.vendstream.ops;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.vendstream.config.Failures;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.ResourceSupport;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live route reloading for development that never leaves the application without routes.
 *
 * <p>Camel's own reloader (4.18.0) first stops and removes every route, then loads the saved
 * files; when a saved file is broken the load fails and nothing is running until the next good
 * save (CAMEL-24860). This one checks a saved file first ({@link RouteFileValidator}: YAML and
 * the YAML DSL schema) and refuses it with one clear log line, leaving the running routes alone.
 * What the schema cannot see (an unknown component, a missing property) fails while loading; then
 * the last version of the file that worked is loaded again from memory.
 */
public final class GuardedRouteReloadStrategy extends RouteWatcherReloadStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(GuardedRouteReloadStrategy.class);
    /** Loads no routes: what a file that never worked is replaced by. */
    private static final byte[] NO_ROUTES = "[]\n".getBytes(StandardCharsets.UTF_8);

    private final RouteFileValidator validator = new RouteFileValidator();
    private final Map<URI, byte[]> lastApplied = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();

    public GuardedRouteReloadStrategy(String directory, String pattern) {
        super(directory, false);
        setPattern(pattern);
        // replace only the routes of the saved file: removing and re-adding every route would
        // also re-register the platform-http and REST endpoints of files nobody touched
        setRemoveAllRoutes(false);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        Thread preload = new Thread(validator::preload, "route-schema-preload");
        preload.setDaemon(true);
        preload.start();
        // what was loaded at start-up is the first known-good version of every file
        File[] files = getFolder() == null ? null : new File(getFolder()).listFiles();
        if (files != null) {
            for (File file : files) {
                if (file.isFile() && (getFileFilter() == null || getFileFilter().accept(file))) {
                    lastApplied.put(file.toURI(), Files.readAllBytes(file.toPath()));
                }
            }
        }
    }

    @Override
    protected String startupMessage(File dir) {
        return "Development mode: routes in " + dir.getAbsolutePath() + " (" + getPattern()
                + ") are reloaded when saved; a broken file is refused and the running routes stay";
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        if (resources == null) {
            // a properties change: reload everything as Camel does
            super.onRouteReload(null, removeEverything);
            return;
        }
        List<Resource> accepted = new ArrayList<>();
        for (Resource resource : resources) {
            File file = new File(resource.getURI());
            if (!file.exists()) {
                // deleted: its routes go away, as the user asked
                lastApplied.remove(file.toURI());
                accepted.add(resource);
                continue;
            }
            byte[] content = read(file);
            if (content.length == 0 || Arrays.equals(content, lastApplied.get(file.toURI()))) {
                // editors write a file in several steps (truncate, write); each step fires an event
                continue;
            }
            List<String> problems = validator.problems(content);
            if (!problems.isEmpty()) {
                LOG.error("Route file {} was NOT reloaded; the routes running now keep running. Fix and save again: {}",
                        file, String.join("; ", problems));
                refused.incrementAndGet();
                continue;
            }
            accepted.add(new InMemoryFileResource(resource.getLocation(), file, content));
        }
        if (accepted.isEmpty()) {
            return;
        }
        try {
            super.onRouteReload(accepted, removeEverything);
            for (Resource resource : accepted) {
                if (resource instanceof InMemoryFileResource r) {
                    lastApplied.put(r.getURI(), r.content);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("Route file(s) {} could not be started: {}. Going back to the last version that worked.",
                    accepted.stream().map(Resource::getLocation).toList(), Failures.rootMessage(e));
            restore(accepted);
            refused.incrementAndGet();
        }
    }

    /** Saves that were not applied (invalid, or failed to start and were rolled back). */
    public long getRefusedCounter() {
        return refused.get();
    }

    private void restore(List<Resource> failed) {
        List<Resource> previous = new ArrayList<>();
        for (Resource resource : failed) {
            if (resource instanceof InMemoryFileResource r) {
                byte[] good = lastApplied.getOrDefault(r.getURI(), NO_ROUTES);
                previous.add(new InMemoryFileResource(r.getLocation(), r.file, good));
            }
        }
        try {
            super.onRouteReload(previous, false);
            LOG.warn("Routes from the last working version of {} are running again",
                    previous.stream().map(Resource::getLocation).toList());
        } catch (RuntimeException e) {
            LOG.error("The last working routes could not be restored either: {}", Failures.rootMessage(e), e);
        }
    }

    private static byte[] read(File file) {
        try {
            return Files.readAllBytes(file.toPath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The exact bytes that were checked, under the file's own location (so routes keep their source). */
    private static final class InMemoryFileResource extends ResourceSupport {
        private final File file;
        private final byte[] content;

        InMemoryFileResource(String location, File file, byte[] content) {
            super("file", location);
            this.file = file;
            this.content = content;
        }

        @Override
        public boolean exists() {
            return true;
        }

        @Override
        public URI getURI() {
            return file.toURI();
        }

        @Override
        public InputStream getInputStream() {
            return new ByteArrayInputStream(content);
        }
    }
}
