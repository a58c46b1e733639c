-- Stock continuity (alert rule stock-mismatch, docs/alerts.md): the sales whose stockAfter is not
-- the level their slot's previous event reported minus the units sold. Kept by the judge that follows
-- ingest's commits (io.vendstream.ingest.StockContinuity), off the path an event takes to be stored:
-- it judges each slot's new events against the event before them, re-reads a slot's chain only for
-- a late event, and judges the rule's window afresh once after a start. The rule reads only these rows.
create table stock_mismatches (
    event_id    uuid        primary key,
    machine_id  text        not null,
    product     text        not null,
    location    text        not null,
    occurred_at timestamptz not null,
    quantity    integer     not null,
    -- the previous event's level minus the units sold, and what the sale reported
    expected    integer     not null,
    reported    integer     not null,
    judged_at   timestamptz not null default now()
);
create index stock_mismatches_occurred_at_idx on stock_mismatches (occurred_at);
