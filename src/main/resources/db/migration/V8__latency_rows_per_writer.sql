-- The writers of one poll (vendstream.ingest.writers) store their groups of partitions at the same
-- time. With one row per minute and latency bucket, each waited at that row for the other's commit;
-- now each writer adds to rows of its own, and the readers (which group by bucket) sum them.
alter table latency_minute add column writer smallint not null default 0;
alter table latency_minute drop constraint latency_minute_pkey;
alter table latency_minute add primary key (minute, le_ms, writer);
