-- Rule stock-mismatch: a sale whose stockAfter is not the slot's previous level minus the units
-- sold (shrinkage, a miscount, a lost event). It can only be judged where both numbers were
-- reported by the machine: the stock_after of consecutive events of one slot in the sales and
-- restocks tables, in the order they occurred (the stock table cannot tell: it follows stockAfter).
-- An event without stockAfter breaks the chain, so the next sale is not judged. A restock sets the
-- level afresh (the crew counted the slot), so the rule holds while a mismatch happened after
-- the slot's last restock and within the last vendstream.alerts.stock-mismatch.window-hours hours,
-- and resolves with the next restock of the slot or when the window has passed. A late event that
-- fills the gap makes the chain agree again and resolves it too.
with settings as (
    select cast(:#${properties:vendstream.alerts.stock-mismatch.window-hours} as integer) as hours
),
last_restocks as (
    -- a restock sets the level afresh, so nothing before a slot's last restock can hold the rule:
    -- the chain is read from there on (or from the window's start), not through the whole window
    select machine_id, product, max(occurred_at) as restocked_at
      from restocks, settings
     where occurred_at > now() - make_interval(hours => settings.hours)
     group by machine_id, product
),
events as (
    -- events with the same occurredAt keep the order the machine reported them in: one machine's
    -- events share a partition (keyed by machine id), so their offsets are that order
    -- (null for rows stored before the event tables recorded it; event_id orders those)
    select s.machine_id, s.product, s.location, s.event_id, 'sale' as kind, s.quantity, s.stock_after, s.occurred_at,
           s.source_offset
      from sales s
     cross join settings
      left join last_restocks r on r.machine_id = s.machine_id and r.product = s.product
     where s.occurred_at > now() - make_interval(hours => settings.hours)
       and (r.restocked_at is null or s.occurred_at >= r.restocked_at)
    union all
    select t.machine_id, t.product, t.location, t.event_id, 'restock', t.quantity, t.stock_after, t.occurred_at,
           t.source_offset
      from restocks t
      join last_restocks r on r.machine_id = t.machine_id and r.product = t.product and t.occurred_at = r.restocked_at
),
chained as (
    select e.*,
           lag(e.stock_after) over slot as previous_level,
           max(e.occurred_at) filter (where e.kind = 'restock') over (partition by e.machine_id, e.product) as last_restock_at
      from events e
    window slot as (partition by e.machine_id, e.product order by e.occurred_at, e.source_offset, e.event_id)
),
mismatches as (
    select * from chained
     where kind = 'sale' and stock_after is not null and previous_level is not null
       and stock_after <> previous_level - quantity
       and (last_restock_at is null or occurred_at > last_restock_at)
)
select machine_id,
       product,
       max(location) as location,
       'warning' as severity,
       product || ' in ' || machine_id || ': the reported stock disagrees with the sales since the last restock ('
           || count(*) || ' time(s), ' || sum(previous_level - quantity - stock_after) || ' unit(s) missing)' as summary,
       jsonb_build_object('mismatches', count(*),
                          'unitsMissing', sum(previous_level - quantity - stock_after),
                          'lastEventId', (array_agg(event_id order by occurred_at desc))[1],
                          'lastExpected', (array_agg(previous_level - quantity order by occurred_at desc))[1],
                          'lastReported', (array_agg(stock_after order by occurred_at desc))[1],
                          'lastAt', max(occurred_at))::text as details
  from mismatches
 group by machine_id, product
