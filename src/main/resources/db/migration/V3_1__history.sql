-- History in and out: dead-letter replay bookkeeping and the indexes retention purges through.

-- A rejection replayed (POST /api/rejections/{id}/replay) is republished once: replayed_at is set in
-- the transaction that published it, so a second replay finds it set and publishes nothing.
alter table rejected_events
    add column replayed_at        timestamptz,
    add column replayed_by        text,
    -- true when the operator sent a corrected payload instead of the original bytes
    add column replay_corrected   boolean,
    add column replay_partition   integer,
    add column replay_offset      bigint;

-- bulk replay: the rejections of one reason not yet replayed, oldest first
create index rejected_events_unreplayed_idx on rejected_events (reason, rejected_at) where replayed_at is null;

-- retention (routes/purge-raw-history.camel.yaml) deletes the oldest raw rows in small batches;
-- (sales and rejected_events already have an index on their time; restocks needs one)
create index restocks_occurred_at_idx on restocks (occurred_at);
