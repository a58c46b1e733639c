-- vendstream event store: raw events kept once, the read models the API serves, and the
-- bookkeeping that makes ingest exactly-once. Every table here is written by the ingest
-- route inside one transaction per Kafka poll.

-- The idempotent repository: one row per eventId ever stored. Its primary key is the guard
-- that makes a redelivered or re-published event a counted duplicate instead of a second row.
create table processed_events (
    event_id         uuid        primary key,
    event_type       text        not null,
    source_partition integer     not null,
    source_offset    bigint      not null,
    stored_at        timestamptz not null default now()
);

create table sales (
    event_id       uuid          primary key,
    machine_id     text          not null,
    location       text          not null,
    product        text          not null,
    category       text,
    unit_price     numeric(14,2) not null,
    currency       char(3)       not null,
    quantity       integer       not null,
    amount         numeric(16,2) not null,
    payment_method text          not null,
    stock_after    integer,
    occurred_at    timestamptz   not null,
    ingested_at    timestamptz   not null default now()
);
create index sales_occurred_at_idx on sales (occurred_at desc);
create index sales_machine_occurred_at_idx on sales (machine_id, occurred_at desc);
create index sales_location_occurred_at_idx on sales (location, occurred_at desc);

create table restocks (
    event_id    uuid        primary key,
    machine_id  text        not null,
    location    text        not null,
    product     text        not null,
    category    text,
    quantity    integer     not null,
    stock_after integer,
    occurred_at timestamptz not null,
    ingested_at timestamptz not null default now()
);
create index restocks_machine_occurred_at_idx on restocks (machine_id, occurred_at desc);

-- Machines seen so far; last_seen drives the online/silent state.
create table machines (
    machine_id     text        primary key,
    location       text        not null,
    first_seen     timestamptz not null,
    last_seen      timestamptz not null,
    last_sale_at   timestamptz
);
create index machines_location_idx on machines (location);

-- Current stock per machine and product. quantity follows stockAfter when events carry it and
-- the event is not older than the last applied one; otherwise it moves by the event quantity.
-- capacity is the highest level seen (a restock fills the slot), used for low-stock ratios.
create table stock (
    machine_id text        not null,
    product    text        not null,
    location   text        not null,
    category   text,
    quantity   integer     not null,
    capacity   integer     not null,
    as_of      timestamptz not null,
    primary key (machine_id, product)
);
create index stock_quantity_idx on stock (quantity);

-- Rollups, keyed by time bucket in the campus time zone (vendstream.timezone) at ingest time.
create table sales_hourly (
    hour        timestamptz   not null,
    machine_id  text          not null,
    location    text          not null,
    sales_count bigint        not null,
    units       bigint        not null,
    revenue     numeric(20,2) not null,
    primary key (hour, machine_id)
);
create index sales_hourly_location_hour_idx on sales_hourly (location, hour);
create index sales_hourly_machine_hour_idx on sales_hourly (machine_id, hour);

create table sales_daily_product (
    day         date          not null,
    machine_id  text          not null,
    product     text          not null,
    location    text          not null,
    category    text,
    sales_count bigint        not null,
    units       bigint        not null,
    revenue     numeric(20,2) not null,
    primary key (day, machine_id, product)
);
create index sales_daily_product_location_day_idx on sales_daily_product (location, day);

create table sales_daily_payment (
    day            date          not null,
    machine_id     text          not null,
    payment_method text          not null,
    location       text          not null,
    sales_count    bigint        not null,
    revenue        numeric(20,2) not null,
    primary key (day, machine_id, payment_method)
);

-- End-to-end latency (occurredAt -> committed) as a histogram per minute; le_ms is the
-- bucket's upper bound in milliseconds (-1 for +Inf). Percentiles come from these buckets.
create table latency_minute (
    minute timestamptz not null,
    le_ms  integer     not null,
    count  bigint      not null,
    primary key (minute, le_ms)
);

-- The dead-letter table: the original bytes, why they were rejected and where they came from.
-- One row per source record, so a redelivered bad record is never recorded twice.
create table rejected_events (
    id               bigserial   primary key,
    source_topic     text        not null,
    source_partition integer     not null,
    source_offset    bigint      not null,
    message_key      bytea,
    reason           text        not null,
    detail           text        not null,
    payload          bytea       not null,
    payload_size     integer     not null,
    event_id         text,
    rejected_at      timestamptz not null default now(),
    unique (source_topic, source_partition, source_offset)
);
create index rejected_events_reason_idx on rejected_events (reason);
create index rejected_events_rejected_at_idx on rejected_events (rejected_at desc);

-- Per source partition: the next offset to process (the ingest fence: records below it were
-- already handled, whatever Kafka redelivers) and the reconciliation counters, updated in the
-- same transaction as the events. Locked per batch, so two consumers can never both apply the
-- same records during a rebalance.
create table ingest_partitions (
    topic       text        not null,
    partition   integer     not null,
    next_offset bigint      not null default 0,
    consumed    bigint      not null default 0,
    stored      bigint      not null default 0,
    duplicates  bigint      not null default 0,
    rejected    bigint      not null default 0,
    updated_at  timestamptz not null default now(),
    primary key (topic, partition)
);

create table rejected_counts (
    topic     text    not null,
    partition integer not null,
    reason    text    not null,
    count     bigint  not null,
    primary key (topic, partition, reason)
);
