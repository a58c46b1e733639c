package io.vendstream.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import io.vendstream.config.StartupException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The data directory's lock within one JVM; across processes (a second packaged jar, kill -9) it
 * is {@link DataDirectoryOwnerIT}.
 */
class DataDirectoryLockTest {

    @Test
    void should_refuse_a_second_owner_naming_the_directory_and_the_first_owner_and_change_nothing() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target"), "locked-data").toAbsolutePath();
        try (DataDirectoryLock first = DataDirectoryLock.acquire(data)) {
            first.describeOwner(Optional.of("http://localhost:18080/"));
            String description = Files.readString(data.resolve(DataDirectoryLock.FILE_NAME));

            StartupException refused = assertThrows(StartupException.class, () -> DataDirectoryLock.acquire(data));

            // within one JVM the lock file is not even opened: closing a descriptor would release the owner's lock
            assertThat(refused.getMessage()).contains(data.toString(), "pid " + ProcessHandle.current().pid(),
                    "vendstream.data-dir", "Nothing was changed");
            assertThat(Files.readString(data.resolve(DataDirectoryLock.FILE_NAME))).isEqualTo(description);
            assertThat(first.owns(data)).isTrue();
        }
    }

    @Test
    void should_name_the_owner_as_its_lock_file_describes_it() {
        java.util.Properties owner = new java.util.Properties();
        owner.setProperty("pid", "4242");
        owner.setProperty("http", "http://127.0.0.1:8080/");
        owner.setProperty("since", "2026-12-06T02:31:07Z");

        assertThat(DataDirectoryLock.describe(owner))
                .isEqualTo(" (pid 4242, dashboard http://127.0.0.1:8080/, running since 2026-12-06T02:31:07Z)");
        assertThat(DataDirectoryLock.describe(new java.util.Properties())).isEmpty();
    }

    @Test
    void should_be_taken_again_once_the_owner_let_go() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target"), "released-data").toAbsolutePath();
        DataDirectoryLock.acquire(data).close();

        try (DataDirectoryLock next = DataDirectoryLock.acquire(data)) {
            assertThat(next.owns(data)).isTrue();
            assertThat(next.owns(data.resolve("elsewhere"))).isFalse();
        }
    }

    @Test
    void should_create_a_missing_data_directory_on_a_first_start() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target"), "first-start").toAbsolutePath().resolve("data");

        try (DataDirectoryLock lock = DataDirectoryLock.acquire(data)) {
            assertThat(Files.readString(data.resolve(DataDirectoryLock.FILE_NAME)))
                    .contains("pid=" + ProcessHandle.current().pid());
        }
    }
}
