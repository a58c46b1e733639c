-- DEX/EVA-DTS audit reads (docs/dex.md): each read kept byte for byte and parsed, the machine's
-- serial bound to a machineId, and the reconciliation of each interval between two reads of a
-- machine with the events the stream delivered for it.

-- Every read received, once: the same bytes twice (a driver's handheld uploading again, a file
-- dropped twice) are one read. status: parsed, unknown_machine (held until its serial is bound),
-- rejected (the file cannot be read; reason, line and segment say why).
create table dex_reads (
    read_id        bigserial     primary key,
    content_sha256 bytea         not null unique,
    received_at    timestamptz   not null default now(),
    source         text          not null,
    file_name      text,
    received_by    text          not null,
    raw            bytea         not null,
    status         text          not null check (status in ('parsed', 'unknown_machine', 'rejected')),
    reason         text,
    detail         text,
    line_no        integer,
    segment        text,
    serial         text,
    machine_id     text,
    read_at        timestamptz,
    currency       text,
    paid_vends     bigint,
    paid_value     numeric(16,2),
    cash_vends     bigint,
    cash_value     numeric(16,2),
    cashless_vends bigint,
    cashless_value numeric(16,2),
    cash_to_box    numeric(16,2),
    -- the same totals since the machine's last reset: an interval's figures when a counter went back
    reset_totals   jsonb,
    -- each cashless reader's own counters (DA1/DA2 reader 1, DB1/DB2 reader 2)
    payment_devices jsonb        not null default '[]',
    findings       jsonb         not null default '[]'
);
create index dex_reads_machine_read_at_idx on dex_reads (machine_id, read_at) where status = 'parsed';
create index dex_reads_held_serial_idx on dex_reads (serial) where status = 'unknown_machine';
create index dex_reads_received_at_idx on dex_reads (received_at desc);

-- A read's per-selection counters (PA1/PA2) since initialisation and since reset, product as
-- the machine names it (PA1's product identifier).
create table dex_read_selections (
    read_id     bigint        not null references dex_reads on delete cascade,
    selection   text          not null,
    product     text          not null,
    price       numeric(14,2),
    vends       bigint,
    value       numeric(16,2),
    vends_reset bigint,
    value_reset numeric(16,2),
    primary key (read_id, selection)
);

-- Machine events the read reports (EA1: door openings, faults ...).
create table dex_read_events (
    read_id     bigint      not null references dex_reads on delete cascade,
    line_no     integer     not null,
    event_code  text        not null,
    occurred_at timestamptz,
    primary key (read_id, line_no)
);

-- Which machine a serial number (ID101) is. Made by a read that names its machineId, or by binding
-- a held read (POST /api/dex/reads/{id}/bind).
create table dex_machine_bindings (
    serial     text        primary key,
    machine_id text        not null,
    bound_at   timestamptz not null default now(),
    bound_by   text        not null
);

-- One interval per parsed read that has a previous read of the same machine: what the machine
-- counted between the two (the counters' difference, or the later read's since-reset counters
-- when the machine was reset in between). The stream's side is counted when the interval is asked
-- for, so events that arrive late are counted too.
create table dex_intervals (
    read_id          bigint        primary key references dex_reads on delete cascade,
    previous_read_id bigint        not null references dex_reads on delete cascade,
    machine_id       text          not null,
    from_at          timestamptz   not null,
    to_at            timestamptz   not null,
    counter_reset    boolean       not null,
    -- what the machine counted in the interval: vends and value paid, in cash, cashless; cash to the box
    paid_vends bigint, paid_value numeric(16,2),
    cash_vends bigint, cash_value numeric(16,2),
    cashless_vends bigint, cashless_value numeric(16,2),
    cash_to_box numeric(16,2)
);
create index dex_intervals_machine_to_idx on dex_intervals (machine_id, to_at desc);
create index dex_intervals_to_idx on dex_intervals (to_at desc);

create table dex_interval_products (
    read_id bigint        not null references dex_intervals on delete cascade,
    product text          not null,
    vends   bigint        not null,
    value   numeric(16,2) not null,
    primary key (read_id, product)
);

-- Machines the audits know: where each is (named at upload or binding), when it was first and
-- last read. One that the stream has never reported (no row in machines) is an audit-only machine:
-- its interval sales count in the rollups, spread evenly over the interval (dex_audit_sales).
create table audit_machines (
    machine_id    text        primary key,
    location      text        not null,
    first_read_at timestamptz not null,
    last_read_at  timestamptz not null
);

-- What an audit-only machine's interval added to the rollups, so that remaking the interval (a
-- read that arrived late between two others) takes exactly that back first. A row is either a
-- product's share of an hour (payment_method '') or a way of paying's share (product ''): the
-- audit splits vends by product and by cash/cashless, but not both at once.
create table dex_audit_sales (
    read_id        bigint        not null,
    hour           timestamptz   not null,
    day            date          not null,
    product        text          not null,
    payment_method text          not null,
    units          bigint        not null,
    revenue        numeric(20,2) not null,
    primary key (read_id, hour, product, payment_method)
);
