package io.vendstream.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Run by {@link ManagedPostgresOrdinaryUserTest} in a child JVM under an ordinary account:
 * starts the embedded PostgreSQL in a directory of its own, runs {@code select 1}, stops it,
 * and reports each step on standard output.
 */
public final class OrdinaryUserPostgresProbe {

    private OrdinaryUserPostgresProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        System.out.println("probe running as " + System.getProperty("user.name") + ", root=" + ManagedPostgres.isRoot());
        ManagedPostgres postgres = new ManagedPostgres(data, port, "vendstream", "probe-secret").start();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres"), "vendstream", "probe-secret");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select 1, current_user")) {
            rs.next();
            System.out.println("select 1 returned " + rs.getInt(1) + " as database user " + rs.getString(2));
        } finally {
            postgres.close();
        }
        System.out.println("cluster owned by " + Files.getOwner(postgres.clusterDirectory()).getName());
        System.out.println("stopped cleanly: " + !Files.exists(postgres.clusterDirectory().resolve("postmaster.pid")));
    }
}
