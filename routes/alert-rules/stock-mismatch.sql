-- Rule stock-mismatch: a sale whose stockAfter is not the slot's previous level minus the units
-- sold (shrinkage, a miscount, a lost event). It can only be judged where both numbers were
-- reported by the machine: the stock_after of consecutive events of one slot in the sales and
-- restocks tables, in the order they occurred (the stock table cannot tell: it follows stockAfter).
-- An event without stockAfter breaks the chain, so the next sale is not judged. A restock sets the
-- level afresh (the crew counted the slot), so the rule holds while a mismatch happened after
-- the slot's last restock and within the last vendstream.alerts.stock-mismatch.window-hours hours,
-- and resolves with the next restock of the slot or when the window has passed. A late event that
-- fills the gap makes the chain agree again and resolves it too.
-- The chain is judged when events are stored, in the same transaction (V13__stock_mismatches.sql):
-- stock_mismatches holds the sales that disagree, and a late event judges its successor again. So
-- this reads only the window's mismatches and, for each, whether its slot was restocked since:
-- the cost follows the mismatches, not the sales.
with settings as (
    select cast(:#${properties:vendstream.alerts.stock-mismatch.window-hours} as integer) as hours
),
mismatches as (
    select m.*
      from stock_mismatches m, settings
     where m.occurred_at > now() - make_interval(hours => settings.hours)
       -- restocked since: such a restock is inside the window too, and saying so reads only the window's restocks
       and not exists (select 1 from restocks r
                        where r.machine_id = m.machine_id and r.product = m.product and r.occurred_at >= m.occurred_at
                          and r.occurred_at > now() - make_interval(hours => settings.hours))
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
