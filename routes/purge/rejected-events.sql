-- Rejected events past vendstream.retention.rejected-days, oldest first, at most one batch.
-- Returns how many rows it deleted; a full batch means there may be more.
with gone as (
    delete from rejected_events where id in (
        select id from rejected_events
         where rejected_at < now() - make_interval(days => :#${properties:vendstream.retention.rejected-days}::int)
         order by rejected_at
         limit :#${properties:vendstream.retention.batch-size}::int)
    returning id)
select count(*) from gone
