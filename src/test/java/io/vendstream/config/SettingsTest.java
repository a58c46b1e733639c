package io.vendstream.config;

import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one reader of settings: no defaults of its own, empty means "not set", mistakes name their key. */
class SettingsTest {

    private static Settings settings(String... keysAndValues) {
        Properties properties = new Properties();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setInitialProperties(properties);
        return new Settings(context);
    }

    @Test
    void should_read_trimmed_text_and_give_an_empty_value_as_empty_text() {
        Settings s = settings("vendstream.db.url", "  ", "vendstream.db.schema", " public ");
        assertThat(s.text("vendstream.db.url")).isEmpty();
        assertThat(s.text("vendstream.db.schema")).isEqualTo("public");
    }

    @Test
    void should_fail_with_the_key_when_a_setting_is_missing_rather_than_fall_back_to_a_default() {
        assertThatThrownBy(() -> settings().integer("vendstream.db.pool-size"))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("vendstream.db.pool-size is missing");
    }

    @Test
    void should_refuse_an_empty_or_malformed_number_and_a_flag_that_is_neither_true_nor_false() {
        Settings s = settings("vendstream.db.pool-size", "", "vendstream.kafka.partitions", "three",
                "vendstream.api.enabled", "yes", "vendstream.ingest.enabled", "TRUE");
        assertThatThrownBy(() -> s.integer("vendstream.db.pool-size")).hasMessageContaining("vendstream.db.pool-size must be a whole number");
        assertThatThrownBy(() -> s.integer("vendstream.kafka.partitions")).hasMessageContaining("not 'three'");
        assertThatThrownBy(() -> s.flag("vendstream.api.enabled")).hasMessageContaining("must be true or false");
        assertThat(s.flag("vendstream.ingest.enabled")).isTrue();
    }

    @Test
    void should_resolve_a_placeholder_to_the_key_it_names() {
        Settings s = settings("vendstream.http.port", "8102", "camel.server.port", "{{vendstream.http.port}}");
        assertThat(s.integer("camel.server.port")).isEqualTo(8102);
        assertThat(s.optional("vendstream.no-such-role.enabled")).isEmpty();
    }
}
