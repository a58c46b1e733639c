-- Payments (docs/payments.md): the payment processor's events (contract payment-v1, topic
-- vending.payments), stored exactly once by the same ingest as vending events, and their matching
-- with the cashless vends that carry the same transactionRef. Matching is incremental: ingest queues
-- the transactionRef of every new payment and every new cashless sale that has one, and the
-- matching routes (routes/match-payments.camel.yaml) fold only the queued references into
-- payment_transactions and judge only the transactions that are due, never the whole history.

-- A cashless sale's processor reference (optional in the vending event contract v1).
alter table sales add column transaction_ref text;
create index sales_transaction_ref_idx on sales (transaction_ref) where transaction_ref is not null;

-- Every payment event, once: its primary key is the idempotent repository, as sales' is for sales.
create table payments (
    payment_event_id uuid          primary key,
    kind             text          not null check (kind in ('authorization', 'settlement', 'refund', 'void')),
    transaction_ref  text          not null,
    machine_id       text          not null,
    processor        text          not null,
    payment_method   text,
    amount           numeric(14,2) not null,
    currency         char(3)       not null,
    settlement_batch text,
    occurred_at      timestamptz   not null,
    source_partition integer       not null,
    source_offset    bigint        not null,
    ingested_at      timestamptz   not null default now()
);
create index payments_transaction_ref_idx on payments (transaction_ref);
create index payments_occurred_at_idx on payments (occurred_at desc);

-- The references whose events changed since matching last looked: written by ingest in the same
-- statement as the events, taken (deleted) by the matching route in the statement that folds them.
create table payment_match_queue (
    seq             bigint generated always as identity primary key,
    transaction_ref text   not null,
    queued_at       timestamptz not null default now()
);

-- One row per transactionRef: what the stream and the processor said about it, and the verdict.
-- status: pending (waiting within its windows), matched, refunded (a failed vend given back),
-- exception (exception names which). check_at: when matching must judge it again (null: only when a
-- new event for it comes).
create table payment_transactions (
    transaction_ref    text          primary key,
    machine_id         text          not null,
    processor          text,
    payment_method     text,
    currency           char(3),
    vend_event_id      uuid,
    vends              integer       not null default 0,
    vend_at            timestamptz,
    vend_amount        numeric(16,2),
    authorizations     integer       not null default 0,
    authorized_at      timestamptz,
    authorized_amount  numeric(14,2),
    authorized_total   numeric(16,2) not null default 0,
    settlements        integer       not null default 0,
    settled_at         timestamptz,
    settled_total      numeric(16,2) not null default 0,
    settlement_batch   text,
    refunds            integer       not null default 0,
    refunded_total     numeric(16,2) not null default 0,
    first_at           timestamptz   not null,
    status             text          not null default 'pending'
                           check (status in ('pending', 'matched', 'refunded', 'exception')),
    exception          text,
    check_at           timestamptz,
    judged_at          timestamptz,
    updated_at         timestamptz   not null default now()
);
create index payment_transactions_check_at_idx on payment_transactions (check_at) where check_at is not null;
create index payment_transactions_first_at_idx on payment_transactions (first_at desc);

-- Exceptions as operators chase them: opened when a transaction is judged to be one, resolved when a
-- later event (a late settlement, a refund) completes the match. At most one open per transaction and kind.
create table payment_exceptions (
    id              bigserial     primary key,
    transaction_ref text          not null references payment_transactions (transaction_ref),
    kind            text          not null check (kind in ('VEND_WITHOUT_PAYMENT', 'PAYMENT_WITHOUT_VEND',
                                      'DOUBLE_AUTHORIZATION', 'AMOUNT_MISMATCH', 'SETTLEMENT_MISSING')),
    machine_id      text          not null,
    processor       text,
    amount          numeric(16,2),
    detail          text          not null,
    opened_at       timestamptz   not null default now(),
    resolved_at     timestamptz
);
create unique index payment_exceptions_one_open_idx on payment_exceptions (transaction_ref, kind) where resolved_at is null;
create index payment_exceptions_open_machine_idx on payment_exceptions (machine_id, kind) where resolved_at is null;
create index payment_exceptions_opened_at_idx on payment_exceptions (opened_at desc);
