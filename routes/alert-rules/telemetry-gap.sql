-- Rule telemetry-gap: a machine whose own books (its latest DEX audit interval, docs/dex.md) count
-- more paid vends than the stream delivered for it in the same interval: events lost on the way,
-- or a machine that sold while its telemetry was down. One alert per machine; it resolves when a
-- later read's interval reconciles, or once the interval is older than the lookback. Machines
-- known only from their audits are not judged (their sales are the audits'). Only each
-- machine's latest interval ending within the lookback is read, and only its own sales (index on
-- machine and time): the cost follows the fleet and one interval's sales, not the history.
with settings as (
    select cast(:#${properties:vendstream.alerts.telemetry-gap.min-vends} as bigint) as min_vends,
           cast(:#${properties:vendstream.alerts.telemetry-gap.lookback-hours} as integer) as lookback_hours
),
latest as (
    -- a second copy of a read (other bytes, same read time) makes an empty interval: not a reading
    select distinct on (i.machine_id) i.*
      from dex_intervals i, settings st
     where i.to_at > now() - make_interval(hours => st.lookback_hours)
       and i.to_at > i.from_at
     order by i.machine_id, i.to_at desc, i.read_id desc
)
select l.machine_id,
       '' as product,
       m.location,
       'warning' as severity,
       l.machine_id || ' counted ' || (l.paid_vends - coalesce(st.units, 0)) || ' vends the stream never delivered ('
           || l.paid_vends || ' by its DEX audit, ' || coalesce(st.units, 0) || ' as events)' as summary,
       jsonb_build_object('readId', l.read_id, 'from', l.from_at, 'to', l.to_at, 'dexVends', l.paid_vends,
                          'streamVends', coalesce(st.units, 0), 'dexValue', l.paid_value,
                          'streamValue', coalesce(st.amount, 0))::text as details
  from latest l
  cross join settings se
  -- only machines the stream reported before the interval began: one known only from audits, or
  -- that started streaming during it, has no events to miss
  join machines m on m.machine_id = l.machine_id and m.first_seen <= l.from_at
  left join lateral (
        select sum(s.quantity) as units, sum(s.amount) as amount
          from sales s
         where s.machine_id = l.machine_id and s.occurred_at > l.from_at and s.occurred_at <= l.to_at
       ) st on true
 where l.paid_vends - coalesce(st.units, 0) >= se.min_vends
