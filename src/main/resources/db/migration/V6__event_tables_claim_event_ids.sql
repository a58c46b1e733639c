-- The event tables' primary keys are the idempotent repository.
--
-- Until now every stored event was claimed twice: once in processed_events (its own random-UUID
-- primary key, the claim ingest relied on) and once more by the sales or restocks row carrying the
-- same event_id under a primary key of its own. Both were written in the same transaction, so the
-- second index held exactly what the first did and cost one more insert per event. From here on,
-- ingest (ingest/EventStore) claims an eventId by inserting the sale or restock itself
-- (INSERT ... ON CONFLICT (event_id) DO NOTHING RETURNING event_id): the ids returned are the
-- events stored now, the others duplicates. Within a type the primary key decides, also between
-- two instances at the same moment (the second insert waits for the first and finds its row). An
-- eventId stored as one type is kept from being stored as the other by a check against the other
-- table in the same statement; see EventStore and docs/guarantees.md for the one case that check
-- does not serialise.
--
-- Where an event came from (source partition and offset) moves onto its row. Rows stored before
-- this migration get it from their claim; rows without a claim (none are written by ingest, which
-- writes both in one transaction) keep it null. A claim without a row (ingest writes none either;
-- retention deletes both) would go with the table.

alter table sales
    add column source_partition integer,
    add column source_offset    bigint;
alter table restocks
    add column source_partition integer,
    add column source_offset    bigint;

update sales s
   set source_partition = p.source_partition, source_offset = p.source_offset
  from processed_events p
 where p.event_id = s.event_id;
update restocks r
   set source_partition = p.source_partition, source_offset = p.source_offset
  from processed_events p
 where p.event_id = r.event_id;

drop table processed_events;

-- What was stored, by eventId, as the table used to list it: for the reconciliation checks and
-- whoever reads processed_events. Ingest does not read it: it claims through the two tables.
-- (The old table's stored_at is the rows' ingested_at.)
create view processed_events (event_id, event_type, source_partition, source_offset) as
    select event_id, 'sale'::text, source_partition, source_offset from sales
    union all
    select event_id, 'restock'::text, source_partition, source_offset from restocks;
