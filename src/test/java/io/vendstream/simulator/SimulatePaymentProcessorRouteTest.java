package io.vendstream.simulator;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The simulator's payment processor in the running application: route simulate-payment-processor
 * publishes its events to the payments topic, ingest stores them beside the cashless sales that carry
 * their transactionRef, and route match-payments matches them. Windows of zero and settlements that
 * go out at once (max-pending 0) let every transaction complete within the test.
 */
class SimulatePaymentProcessorRouteTest {

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("simulated_payments")
            .with("vendstream.simulator.enabled", "true")
            .with("vendstream.simulator.events-per-second", "100")
            .with("vendstream.simulator.seed", "2026")
            .with("vendstream.simulator.dex-audits", "false")
            .with("vendstream.simulator.payments.max-pending", "0")
            .with("vendstream.simulator.payments.refunded-failure-fraction", "0")
            .with("vendstream.simulator.payments.unrefunded-failure-fraction", "0")
            .with("vendstream.simulator.payments.missing-authorization-fraction", "0")
            .with("vendstream.simulator.payments.double-authorization-fraction", "0")
            .with("vendstream.simulator.payments.missing-settlement-fraction", "0")
            .with("vendstream.simulator.payments.short-settlement-fraction", "0")
            .with("vendstream.simulator.payments.late-event-fraction", "0")
            .with("vendstream.payments.authorization-window-minutes", "0")
            .with("vendstream.payments.grace-minutes", "0")
            .with("vendstream.payments.match-period-millis", "300");

    @Test
    void should_match_every_simulated_cashless_sale_with_its_authorization_and_settlement() throws Exception {
        await().atMost(Duration.ofSeconds(90)).until(() -> count("select count(*) from payment_transactions where status = 'matched'") >= 50);

        assertThat(count("select count(*) from sales where payment_method <> 'cash' and transaction_ref is null"))
                .as("every cashless sale carries its reference").isZero();
        assertThat(count("select count(*) from sales where payment_method = 'cash' and transaction_ref is not null")).isZero();
        assertThat(count("select count(*) from payments where kind = 'authorization'")).isPositive();
        // with windows of zero a transaction may be judged before its other side is stored: the
        // exception is then resolved as soon as it is (nothing injected, nothing stays open)
        await().atMost(Duration.ofSeconds(30)).until(() -> count("select count(*) from payment_exceptions e join payment_transactions t "
                + "using (transaction_ref) where e.resolved_at is null and t.first_at < now() - interval '20 seconds'") == 0);
        assertThat(count("select count(*) from rejected_events")).isZero();
        assertThat(count("select count(distinct processor) from payments")).isEqualTo(3);
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = APP.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
