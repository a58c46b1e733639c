-- Raw payment events past the horizon: vendstream.retention.raw-days plus purge-grace-hours, as for
-- sales (the validator refuses payment events that old too, BEYOND_RETENTION, so none can come back as
-- new), oldest first, at most one batch. Their transactions' verdicts and exceptions stay
-- (payment_transactions, payment_exceptions): what operators reconciled is history too.
-- Returns how many rows it deleted; a full batch means there may be more.
with gone as (
    delete from payments where payment_event_id in (
        select payment_event_id from payments
         where occurred_at < now() - make_interval(days => :#${properties:vendstream.retention.raw-days}::int,
                                                   hours => :#${properties:vendstream.retention.purge-grace-hours}::int)
         order by occurred_at
         limit :#${properties:vendstream.retention.batch-size}::int)
    returning payment_event_id)
select count(*) from gone
