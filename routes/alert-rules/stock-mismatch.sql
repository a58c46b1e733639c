-- Rule stock-mismatch: a sale whose stockAfter is not the slot's previous level minus the units
-- sold (shrinkage, a miscount, a lost event). It can only be judged where both numbers were
-- reported by the machine: the stock_after of consecutive events of one slot in the sales and
-- restocks tables, in the order they occurred (the stock table cannot tell: it follows stockAfter).
-- An event without stockAfter breaks the chain, so the next sale is not judged. A restock sets the
-- level afresh (the crew counted the slot), so the rule holds while a mismatch happened after
-- the slot's last restock and within the last vendstream.alerts.stock-mismatch.window-hours hours,
-- and resolves with the next restock of the slot or when the window has passed. A late event that
-- fills the gap makes the chain agree again and resolves it too.
--
-- Three statements, run in one transaction by the ruleStatements bean (evaluate-alert-rules.camel.yaml),
-- so that an evaluation costs what was stored since the previous one, not the window's sales:
--  1. lock the rule's progress row (alert_rule_progress, V14): a second instance waits here, then
--     judges what the first left; note where the next evaluation must start from;
--  2. judge each sale stored since then, and the sale after each newly stored event in its slot (a
--     late event that lands between two events changes what the one after it is judged against),
--     against the event just before it, and keep the sales that disagree (stock_mismatch_verdicts);
--  3. read the open mismatches.
-- Nothing of this runs when events are stored.

-- 1. Every event stored from now on is stored by a transaction that is running now or begins later,
-- and its ingested_at is the time that transaction began (the column's default, now()): so the next
-- evaluation starts from the earliest start of the transactions running now (that this database user
-- can see: the application's own) or from now. A transaction that began more than
-- vendstream.alerts.stock-mismatch.longest-transaction-minutes ago does not hold it back (a session
-- left open would make every evaluation judge everything stored since); the events of one that
-- stores sales and commits later than that are not judged. The update waits for an evaluation in
-- progress.
insert into alert_rule_progress as p (rule, stored_before)
select 'stock-mismatch', least(statement_timestamp(), min(a.xact_start))
  from pg_stat_activity a
 where a.backend_type = 'client backend' and a.pid <> pg_backend_pid() and a.xact_start is not null
   and a.xact_start > statement_timestamp()
                      - make_interval(mins => cast(:#${properties:vendstream.alerts.stock-mismatch.longest-transaction-minutes} as integer))
on conflict (rule) do update set stored_before = excluded.stored_before;

-- The judgement reads a slot's neighbours through the machine's index on time; with the planner's
-- default cost of a random page it may walk the index on time of every machine instead, which finds
-- the same rows through many more (the pages this reads are the recent ones, in memory).
set local random_page_cost = 1.1;

-- 2. Judge what changed. The first evaluation, and one whose window grew, judges the whole window at
-- once (each sale against the one before it, as the events come in order); every later one only the
-- events whose ingested_at is at or after judged_to (BRIN index), each sale's previous event read
-- through the machine's index on time.
with settings as (
    select cast(:#${properties:vendstream.alerts.stock-mismatch.window-hours} as integer) as hours
),
progress as (
    select p.judged_to, p.stored_before, now() - make_interval(hours => st.hours) as window_from,
           -- the whole window: nothing judged yet, or the window now starts before what was judged
           (p.judged_to is null or p.judged_from is null or p.judged_from > now() - make_interval(hours => st.hours)) as whole
      from alert_rule_progress p, settings st
     where p.rule = 'stock-mismatch'
),
-- the whole window, each event against the one before it in the window (only when whole)
window_events as (
    select s.event_id, s.machine_id, s.product, s.location, 'sale' as kind, s.quantity, s.stock_after, s.occurred_at,
           s.source_offset
      from sales s, progress p
     where p.whole and s.occurred_at > p.window_from
    union all
    select t.event_id, t.machine_id, t.product, t.location, 'restock', t.quantity, t.stock_after, t.occurred_at,
           t.source_offset
      from restocks t, progress p
     where p.whole and t.occurred_at > p.window_from
),
window_judged as (
    select e.event_id, e.machine_id, e.product, e.location, e.kind, e.occurred_at, e.quantity, e.stock_after,
           lag(e.stock_after) over slot as previous_level,
           lag(e.occurred_at) over slot as previous_at
      from window_events e
    window slot as (partition by e.machine_id, e.product order by e.occurred_at, e.source_offset, e.event_id)
),
-- events stored since the last evaluation: by transactions that began from judged_to on, read through
-- the BRIN indexes on ingested_at (the upper bound only tells the planner it is a short range;
-- those stored from stored_before on are judged again by the next evaluation, to the same verdict).
-- Only those that occurred inside the window count (one that occurred before it is no sale's
-- previous event inside the window), filtered below rather than read by time.
stored as (
    select s.event_id, s.machine_id, s.product, s.location, s.quantity, s.stock_after, s.occurred_at,
           coalesce(s.source_offset, 9223372036854775807) as ord, true as is_sale
      from sales s, progress p
     where not p.whole
       and s.ingested_at >= (select judged_to from alert_rule_progress where rule = 'stock-mismatch')
       and s.ingested_at <= (select clock_timestamp())
    union all
    select t.event_id, t.machine_id, t.product, t.location, t.quantity, t.stock_after, t.occurred_at,
           coalesce(t.source_offset, 9223372036854775807), false
      from restocks t, progress p
     where not p.whole
       and t.ingested_at >= (select judged_to from alert_rule_progress where rule = 'stock-mismatch')
       and t.ingested_at <= (select clock_timestamp())
),
-- the sales to judge: each stored sale, and the slot's next event after each stored event if it is a
-- sale. A slot's neighbours are read through the machine's index on time (machine_id, occurred_at),
-- walking past its other slots' events.
touched as (
    select e.event_id, e.machine_id, e.product, e.location, e.quantity, e.stock_after, e.occurred_at, e.ord
      from stored e, progress p
     where e.is_sale and e.occurred_at > p.window_from
    union
    select ns.event_id, ns.machine_id, ns.product, ns.location, ns.quantity, ns.stock_after, ns.occurred_at, ns.ord
      from stored e
     cross join progress p
      join lateral (
            select x.event_id, x.machine_id, x.product, x.location, x.quantity, x.stock_after, x.occurred_at,
                   coalesce(x.source_offset, 9223372036854775807) as ord
              from sales x
             where x.machine_id = e.machine_id and x.product = e.product and x.occurred_at >= e.occurred_at
               and (x.occurred_at, coalesce(x.source_offset, 9223372036854775807), x.event_id) > (e.occurred_at, e.ord, e.event_id)
             order by x.machine_id desc, x.occurred_at, coalesce(x.source_offset, 9223372036854775807), x.event_id
             limit 1) ns on true
      left join lateral (
            select x.event_id, x.occurred_at, coalesce(x.source_offset, 9223372036854775807) as ord
              from restocks x
             where x.machine_id = e.machine_id and x.product = e.product and x.occurred_at >= e.occurred_at
               and (x.occurred_at, coalesce(x.source_offset, 9223372036854775807), x.event_id) > (e.occurred_at, e.ord, e.event_id)
             order by x.machine_id desc, x.occurred_at, coalesce(x.source_offset, 9223372036854775807), x.event_id
             limit 1) nr on true
     where e.occurred_at > p.window_from
       and (nr.event_id is null or (ns.occurred_at, ns.ord, ns.event_id) < (nr.occurred_at, nr.ord, nr.event_id))
),
touched_judged as (
    select s.event_id, s.machine_id, s.product, s.location, s.occurred_at, s.quantity, s.stock_after,
           case when ps.event_id is not null and (pr.event_id is null or (ps.occurred_at, ps.ord, ps.event_id) > (pr.occurred_at, pr.ord, pr.event_id))
                then ps.stock_after else pr.stock_after end as previous_level,
           case when ps.event_id is not null and (pr.event_id is null or (ps.occurred_at, ps.ord, ps.event_id) > (pr.occurred_at, pr.ord, pr.event_id))
                then ps.occurred_at else pr.occurred_at end as previous_at
      from touched s
     cross join progress p
      -- the slot's previous sale and previous restock inside the window
      left join lateral (
            select x.event_id, x.occurred_at, coalesce(x.source_offset, 9223372036854775807) as ord, x.stock_after
              from sales x
             where x.machine_id = s.machine_id and x.product = s.product
               and x.occurred_at <= s.occurred_at and x.occurred_at > p.window_from
               and (x.occurred_at, coalesce(x.source_offset, 9223372036854775807), x.event_id) < (s.occurred_at, s.ord, s.event_id)
             order by x.machine_id, x.occurred_at desc, coalesce(x.source_offset, 9223372036854775807) desc, x.event_id desc
             limit 1) ps on true
      left join lateral (
            select x.event_id, x.occurred_at, coalesce(x.source_offset, 9223372036854775807) as ord, x.stock_after
              from restocks x
             where x.machine_id = s.machine_id and x.product = s.product
               and x.occurred_at <= s.occurred_at and x.occurred_at > p.window_from
               and (x.occurred_at, coalesce(x.source_offset, 9223372036854775807), x.event_id) < (s.occurred_at, s.ord, s.event_id)
             order by x.machine_id, x.occurred_at desc, coalesce(x.source_offset, 9223372036854775807) desc, x.event_id desc
             limit 1) pr on true
     where s.occurred_at > p.window_from
),
judged as (
    select j.*, j.stock_after is not null and j.previous_level is not null
                and j.stock_after <> j.previous_level - j.quantity as disagrees
      from (select event_id, machine_id, product, location, occurred_at, quantity, stock_after, previous_level, previous_at
              from window_judged where kind = 'sale' and stock_after is not null
            union all
            select event_id, machine_id, product, location, occurred_at, quantity, stock_after, previous_level, previous_at
              from touched_judged) j
),
kept as (
    insert into stock_mismatch_verdicts as v (event_id, machine_id, product, location, occurred_at, previous_at, expected, reported)
    select event_id, machine_id, product, location, occurred_at, previous_at, previous_level - quantity, stock_after
      from judged
     where disagrees
    on conflict (event_id) do update
       set previous_at = excluded.previous_at, expected = excluded.expected, reported = excluded.reported
),
cleared as (
    -- the sales judged again that agree now, the verdicts that left the window, and on a whole-window
    -- judgement every verdict it did not make
    delete from stock_mismatch_verdicts v
     where v.event_id in (
            select event_id from judged where not disagrees
            union all
            select o.event_id from stock_mismatch_verdicts o, progress p where o.occurred_at <= p.window_from
            union all
            select o.event_id from stock_mismatch_verdicts o, progress p
             where p.whole and not exists (select 1 from judged j where j.event_id = o.event_id and j.disagrees))
)
update alert_rule_progress u
   set judged_from = p.window_from, judged_to = p.stored_before
  from progress p
 where u.rule = 'stock-mismatch';

-- 3. The open mismatches: inside the window, judged against an event inside it, and after the slot's
-- last restock.
with settings as (
    select cast(:#${properties:vendstream.alerts.stock-mismatch.window-hours} as integer) as hours
),
mismatches as (
    select v.*
      from stock_mismatch_verdicts v, settings st
     where v.occurred_at > now() - make_interval(hours => st.hours)
       and v.previous_at > now() - make_interval(hours => st.hours)
       and not exists (select 1 from restocks r
                        where r.machine_id = v.machine_id and r.product = v.product and r.occurred_at >= v.occurred_at)
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
