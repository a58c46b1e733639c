-- Restock planning: stock-out episodes as a read model of the stock table.
--
-- An episode starts when a slot's quantity becomes 0 and ends when it rises above 0 again. Row
-- triggers on stock maintain it, so the episodes are written inside the ingest transaction that
-- changed the stock: a poll that is rolled back (and redelivered) leaves no episode behind, and a
-- duplicate event that does not move stock opens none. /api/stockouts reads a range of started_at
-- and the few open episodes through the indexes below, whatever the size of the history.
--
-- Ingest folds a whole poll into one update per slot (see ingest/EventStore), so an episode's
-- times are those of the slot's latest event in the poll that emptied or refilled it (as_of),
-- and a slot emptied and refilled within the same poll (well under a second at a steady rate)
-- is not an episode. A late event never rolls stock back, so it never reopens an episode.

create table stockout_episodes (
    id         bigserial   primary key,
    machine_id text        not null,
    product    text        not null,
    location   text        not null,
    started_at timestamptz not null,
    ended_at   timestamptz
);
-- at most one open episode per slot; also how the refill finds it
create unique index stockout_episodes_open_idx on stockout_episodes (machine_id, product) where ended_at is null;
create index stockout_episodes_started_idx on stockout_episodes (started_at);
create index stockout_episodes_location_started_idx on stockout_episodes (location, started_at);

create function stockout_episode_opened() returns trigger language plpgsql
    -- the schema Flyway created it in, whatever the search_path of the session that changes stock
    set search_path from current as $$
begin
    insert into stockout_episodes (machine_id, product, location, started_at)
    values (new.machine_id, new.product, new.location, new.as_of)
    on conflict (machine_id, product) where ended_at is null do nothing;
    return null;
end;
$$;

create function stockout_episode_closed() returns trigger language plpgsql
    -- the schema Flyway created it in, whatever the search_path of the session that changes stock
    set search_path from current as $$
begin
    update stockout_episodes set ended_at = greatest(new.as_of, started_at)
    where machine_id = new.machine_id and product = new.product and ended_at is null;
    return null;
end;
$$;

-- the WHEN clauses keep the per-row cost off the common case (a sale that leaves stock above 0)
create trigger stock_emptied_on_insert after insert on stock
    for each row when (new.quantity = 0) execute function stockout_episode_opened();
create trigger stock_emptied after update of quantity on stock
    for each row when (new.quantity = 0 and old.quantity > 0) execute function stockout_episode_opened();
create trigger stock_refilled after update of quantity on stock
    for each row when (new.quantity > 0 and old.quantity = 0) execute function stockout_episode_closed();
