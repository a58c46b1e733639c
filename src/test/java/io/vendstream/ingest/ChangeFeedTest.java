package io.vendstream.ingest;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The one feed every open screen follows: what a committed batch changed, resumable by event id. */
class ChangeFeedTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ChangeFeed feed = new ChangeFeed(3, 2, 3600);

    @AfterEach
    void close() {
        feed.close();
    }

    @Test
    void should_tell_every_screen_what_a_committed_batch_changed_with_the_same_bytes() throws Exception {
        List<ChangeFeed.Notice> first = new CopyOnWriteArrayList<>();
        List<ChangeFeed.Notice> second = new CopyOnWriteArrayList<>();
        feed.subscribe(first::add, Optional.empty());
        feed.subscribe(second::add, Optional.empty());
        await().atMost(Duration.ofSeconds(5)).until(() -> feed.subscribers() == 2);

        feed.committed(List.of(sale("ENG-01", "Aqua 600ml", 2, "5000", 4), sale("ENG-01", "Aqua 600ml", 1, "5000", 3),
                sale("LIB-01", "Teh Botol", 1, "6000", 0), restock("LIB-01", "Teh Botol", 12)), new EventStore.Outcome(5, 4, 1, 0));

        await().atMost(Duration.ofSeconds(5)).until(() -> first.size() == 1 && second.size() == 1);
        assertThat(first.get(0).frame()).as("one notice, written once, for every screen").isSameAs(second.get(0).frame());
        String frame = new String(first.get(0).frame(), StandardCharsets.UTF_8);
        assertThat(frame).startsWith("id: ").contains("\nevent: change\ndata: ").endsWith("\n\n");
        JsonNode data = JSON.readTree(frame.substring(frame.indexOf("data: ") + 6).trim());
        assertThat(data.get("sales").asInt()).isEqualTo(3);
        assertThat(data.get("restocks").asInt()).isEqualTo(1);
        assertThat(data.at("/byLocation/Engineering/units").asInt()).isEqualTo(3);
        assertThat(data.at("/byLocation/Engineering/revenue").decimalValue()).isEqualByComparingTo("15000");
        assertThat(data.get("latest")).as("the newest sales in full, up to the limit").hasSize(2);
        assertThat(data.get("latestLeftOut").asInt()).isEqualTo(1);
        assertThat(data.get("stock")).as("each slot once, at its latest level").hasSize(2);
        assertThat(data.get("stock").findValuesAsText("stockAfter")).containsExactlyInAnyOrder("3", "12");
        assertThat(data.at("/pipeline/duplicates").asInt()).isEqualTo(1);
    }

    @Test
    void should_resend_what_a_reconnecting_screen_missed_and_say_reset_when_it_is_no_longer_kept() {
        List<ChangeFeed.Notice> live = new CopyOnWriteArrayList<>();
        feed.subscribe(live::add, Optional.empty());
        for (int i = 0; i < 5; i++) {
            feed.alertsChanged(java.util.Map.of("opened", i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> live.size() == 5);

        List<ChangeFeed.Notice> resumed = new CopyOnWriteArrayList<>();
        feed.subscribe(resumed::add, Optional.of(live.get(2).id()));
        await().atMost(Duration.ofSeconds(5)).until(() -> resumed.size() == 2);
        assertThat(resumed).extracting(ChangeFeed.Notice::id).containsExactly(live.get(3).id(), live.get(4).id());

        // three are kept: the first two are gone, and so is whatever a previous run of the application sent
        List<ChangeFeed.Notice> tooLate = new CopyOnWriteArrayList<>();
        feed.subscribe(tooLate::add, Optional.of(live.get(0).id()));
        List<ChangeFeed.Notice> otherRun = new CopyOnWriteArrayList<>();
        feed.subscribe(otherRun::add, Optional.of("abc-4"));
        await().atMost(Duration.ofSeconds(5)).until(() -> tooLate.size() == 1 && otherRun.size() == 1);
        assertThat(tooLate.get(0).event()).isEqualTo("reset");
        assertThat(otherRun.get(0).event()).isEqualTo("reset");
    }

    private static VendingEvent sale(String machine, String product, int quantity, String price, int stockAfter) {
        return new VendingEvent(UUID.randomUUID(), VendingEvent.Type.SALE, machine, machine.startsWith("ENG") ? "Engineering" : "Library",
                product, "drink", new BigDecimal(price), "IDR", quantity, "qris", stockAfter, Instant.now());
    }

    private static VendingEvent restock(String machine, String product, int stockAfter) {
        return new VendingEvent(UUID.randomUUID(), VendingEvent.Type.RESTOCK, machine, "Library", product, "drink", null, null,
                stockAfter, null, stockAfter, Instant.now().plusMillis(1));
    }
}
