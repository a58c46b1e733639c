-- Rule stock-mismatch: a sale whose stockAfter is not the slot's previous level minus the units
-- sold (shrinkage, a miscount, a lost event). It can only be judged where both numbers were
-- reported by the machine: the stock_after of consecutive events of one slot, in the order they
-- occurred (the stock table's quantity cannot tell: it follows stockAfter). An event without
-- stockAfter breaks the chain, so the next sale is not judged. A restock sets the level afresh
-- (the crew counted the slot), so the rule holds while a mismatch happened after the slot's last
-- restock and within the last vendstream.alerts.stock-mismatch.window-hours hours, and resolves
-- with the next restock of the slot or when the window has passed. A late event that fills the
-- gap makes the chain agree again and resolves it too.
--
-- Ingest judges each sale as it stores it and keeps the mismatches (V13__stock_mismatches.sql);
-- a slot that received an event older than its latest is marked instead. This statement reads
-- the kept mismatches, and reads the events of the marked slots again (from their last restock or
-- the window's start) to replace theirs: its cost follows what changed, not the sales in the
-- window. It also drops mismatches the window has passed.
with settings as (
    select cast(:#${properties:vendstream.alerts.stock-mismatch.window-hours} as integer) as hours
),
rejudged as (
    delete from stock_mismatch_rejudge returning machine_id, product
),
replaced as (
    delete from stock_mismatches m using rejudged j
     where m.machine_id = j.machine_id and m.product = j.product
    returning 1
),
expired as (
    delete from stock_mismatches m using settings
     where m.occurred_at <= now() - make_interval(hours => settings.hours)
    returning 1
),
last_restocks as (
    -- a restock sets the level afresh, so nothing before a slot's last restock can hold the rule:
    -- the chain is read from there on (or from the window's start), not through the whole window
    select t.machine_id, t.product, max(t.occurred_at) as restocked_at
      from restocks t
      join rejudged j on j.machine_id = t.machine_id and j.product = t.product
     cross join settings
     where t.occurred_at > now() - make_interval(hours => settings.hours)
     group by t.machine_id, t.product
),
events as (
    -- events with the same occurredAt keep the order the machine reported them in: one machine's
    -- events share a partition (keyed by machine id), so their offsets are that order
    -- (null for rows stored before the event tables recorded it; event_id orders those)
    select s.machine_id, s.product, s.location, s.event_id, 'sale' as kind, s.quantity, s.stock_after, s.occurred_at,
           s.source_offset
      from sales s
      join rejudged j on j.machine_id = s.machine_id and j.product = s.product
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
    select e.*, lag(e.stock_after) over slot as previous_level
      from events e
    window slot as (partition by e.machine_id, e.product order by e.occurred_at, e.source_offset, e.event_id)
),
rejudged_mismatches as (
    insert into stock_mismatches (machine_id, product, location, event_id, occurred_at, expected, reported)
    select machine_id, product, location, event_id, occurred_at, previous_level - quantity, stock_after
      from chained
     where kind = 'sale' and stock_after is not null and previous_level is not null
       and stock_after <> previous_level - quantity
    returning machine_id, product, location, event_id, occurred_at, expected, reported
),
judged as (
    -- what ingest kept, except for the slots judged again just now (this statement sees the table
    -- as it was before it), and what was judged again
    select m.machine_id, m.product, m.location, m.event_id, m.occurred_at, m.expected, m.reported
      from stock_mismatches m
     cross join settings
     where m.occurred_at > now() - make_interval(hours => settings.hours)
       and not exists (select 1 from rejudged j where j.machine_id = m.machine_id and j.product = m.product)
    union all
    select * from rejudged_mismatches
),
mismatches as (
    -- a restock at or after the mismatch settled it
    select * from judged m
     where not exists (select 1 from restocks t
                        where t.machine_id = m.machine_id and t.product = m.product and t.occurred_at >= m.occurred_at)
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
