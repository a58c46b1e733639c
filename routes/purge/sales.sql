-- Raw sales past the horizon: vendstream.retention.raw-days plus purge-grace-hours (see
-- routes/purge-raw-history.camel.yaml for why the grace), oldest first, at most one batch.
-- Returns how many rows it deleted; a full batch means there may be more.
with gone as (
    delete from sales where event_id in (
        select event_id from sales
         where occurred_at < now() - make_interval(days => :#${properties:vendstream.retention.raw-days}::int,
                                                   hours => :#${properties:vendstream.retention.purge-grace-hours}::int)
         order by occurred_at
         limit :#${properties:vendstream.retention.batch-size}::int)
    returning event_id)
select count(*) from gone
