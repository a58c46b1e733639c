-- Rule telemetry-gap: a machine whose own books (its latest DEX audit interval, docs/dex.md) count
-- more paid vends than the stream delivered for it in the same interval: events lost on the way,
-- or a machine that sold while its telemetry was down. One alert per machine; it resolves when a
-- later read's interval reconciles, or once the interval is older than the lookback. Machines
-- known only from their audits are not judged (their sales are the audits'). Only each
-- machine's latest interval ending within the lookback is read. The stream's count in it comes
-- from the hourly rollup (sales_hourly, hours of the campus time zone) from the hour nearest to
-- its start to the hour nearest to its end, corrected at either end with the raw sales (index on
-- machine and time) between the hour boundary and the interval's own start or end: at most half
-- an hour of a machine's sales at each end. The cost follows the fleet, not the history nor the
-- interval's length (a daily read's interval holds the whole fleet's day).
with settings as (
    select cast(:#${properties:vendstream.alerts.telemetry-gap.min-vends} as bigint) as min_vends,
           cast(:#${properties:vendstream.alerts.telemetry-gap.lookback-hours} as integer) as lookback_hours,
           cast(:#${properties:vendstream.timezone} as text) as zone
),
latest as (
    -- a second copy of a read (other bytes, same read time) makes an empty interval: not a reading
    select distinct on (i.machine_id) i.*
      from dex_intervals i, settings st
     where i.to_at > now() - make_interval(hours => st.lookback_hours)
       and i.to_at > i.from_at
     order by i.machine_id, i.to_at desc, i.read_id desc
),
hours as (
    -- the campus hour boundaries nearest to the interval's start and end
    select l.*, date_trunc('hour', l.from_at + interval '30 minutes', st.zone) as from_hour,
           date_trunc('hour', l.to_at + interval '30 minutes', st.zone) as to_hour
      from latest l, settings st
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
  from hours l
  cross join settings se
  -- only machines the stream reported before the interval began: one known only from audits, or
  -- that started streaming during it, has no events to miss
  join machines m on m.machine_id = l.machine_id and m.first_seen <= l.from_at
  left join lateral (
        -- the hours from from_hour to to_hour, then at the start the sales between from_at and from_hour
        -- (added when from_hour is after from_at, taken off when it is before), and at the end likewise
        select sum(units) as units, sum(amount) as amount
          from (select h.units, h.revenue as amount
                  from sales_hourly h
                 where h.machine_id = l.machine_id and h.hour >= l.from_hour and h.hour < l.to_hour
                union all
                select s.quantity, s.amount from sales s
                 where s.machine_id = l.machine_id and s.occurred_at > l.from_at and s.occurred_at < l.from_hour
                union all
                select -s.quantity, -s.amount from sales s
                 where s.machine_id = l.machine_id and s.occurred_at >= l.from_hour and s.occurred_at <= l.from_at
                union all
                select s.quantity, s.amount from sales s
                 where s.machine_id = l.machine_id and s.occurred_at >= l.to_hour and s.occurred_at <= l.to_at
                union all
                select -s.quantity, -s.amount from sales s
                 where s.machine_id = l.machine_id and s.occurred_at > l.to_at and s.occurred_at < l.to_hour) counted
       ) st on true
 where l.paid_vends - coalesce(st.units, 0) >= se.min_vends
