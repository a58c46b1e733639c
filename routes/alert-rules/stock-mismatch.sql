-- Rule stock-mismatch: a sale whose stockAfter is not the slot's previous level minus the units
-- sold (shrinkage, a miscount, a lost event). It can only be judged where both numbers were
-- reported by the machine: the stock_after of consecutive events of one slot, in the order they
-- occurred (the stock table cannot tell: it follows stockAfter). An event without stockAfter breaks
-- the chain, so the next sale is not judged. Ingest's stock judge (io.vendstream.ingest.StockContinuity)
-- judges each new event against the one before it as batches commit, and keeps the disagreeing sales
-- in stock_mismatches; a late event that fills a gap makes the chain agree again and its verdict goes.
-- A restock sets the level afresh (the crew counted the slot), so the rule holds while a mismatch
-- happened after the slot's last restock and within the last
-- vendstream.alerts.stock-mismatch.window-hours hours, and resolves with the next restock of the
-- slot or when the window has passed.
with settings as (
    select now() - make_interval(hours => cast(:#${properties:vendstream.alerts.stock-mismatch.window-hours} as integer)) as since
),
last_restocks as (
    select machine_id, product, max(occurred_at) as restocked_at
      from restocks, settings
     where occurred_at > settings.since
     group by machine_id, product
),
mismatches as (
    select m.*
      from stock_mismatches m
     cross join settings
      left join last_restocks r on r.machine_id = m.machine_id and r.product = m.product
     where m.occurred_at > settings.since
       and (r.restocked_at is null or m.occurred_at > r.restocked_at)
)
select machine_id,
       product,
       max(location) as location,
       'warning' as severity,
       product || ' in ' || machine_id || ': the reported stock disagrees with the sales since the last restock ('
           || count(*) || ' time(s), ' || sum(expected - reported) || ' unit(s) missing)' as summary,
       jsonb_build_object('mismatches', count(*),
                          'unitsMissing', sum(expected - reported),
                          'lastEventId', (array_agg(event_id order by occurred_at desc))[1],
                          'lastExpected', (array_agg(expected order by occurred_at desc))[1],
                          'lastReported', (array_agg(reported order by occurred_at desc))[1],
                          'lastAt', max(occurred_at))::text as details
  from mismatches
 group by machine_id, product
