-- The stock-mismatch rule judges each sale once, when it evaluates after the sale was stored, and
-- keeps the sales that disagree, so an evaluation reads what was stored since the previous one and
-- the open mismatches, not every sale of its window (routes/alert-rules/stock-mismatch.sql says how).
-- Nothing here runs when events are stored: no trigger, and the only new indexes on the event
-- tables are BRIN summaries of ingested_at (the time the storing transaction began; rows are
-- appended in about that order), a few pages that let the rule find the newly stored rows.
-- (V13 is skipped: the number belonged to an earlier attempt that was withdrawn.)

-- A sale whose stock_after is not the previous event's stock_after minus the units sold, one row
-- per sale. The previous event is the slot's (machine_id, product) event just before it in the
-- order they occurred (occurred_at, then source_offset, then event_id), among the sales and
-- restocks that occurred inside the rule's window: previous_at says when it occurred, so the rule
-- can forgive a mismatch once that event has left the window.
create table stock_mismatch_verdicts (
    event_id    uuid        primary key,  -- the sale
    machine_id  text        not null,
    product     text        not null,
    location    text        not null,
    occurred_at timestamptz not null,
    previous_at timestamptz not null,
    expected    integer     not null,     -- the previous event's stock_after minus the units sold
    reported    integer     not null      -- the sale's own stock_after
);
-- the rule reads the window's verdicts and forgets those that left it
create index stock_mismatch_verdicts_occurred_at_idx on stock_mismatch_verdicts (occurred_at);

-- How far a rule that judges incrementally has got, one row per rule; an evaluation locks its row,
-- so two instances judge one after the other.
create table alert_rule_progress (
    rule          text primary key,
    -- every sale that occurred after this has been judged (the window's start at the last evaluation)
    judged_from   timestamptz,
    -- every event stored by a transaction that began before this has been judged
    judged_to     timestamptz,
    -- the next judged_to: taken, with the lock, before the judging statement reads
    stored_before timestamptz
);

create index sales_ingested_at_brin_idx on sales using brin (ingested_at) with (pages_per_range = 32, autosummarize = on);
create index restocks_ingested_at_brin_idx on restocks using brin (ingested_at) with (pages_per_range = 32, autosummarize = on);
