-- Rule low-stock: a product slot that will run out soon at its own pace. The slot's velocity is
-- its units sold per day over the last vendstream.alerts.low-stock.velocity-days campus days
-- (sales_daily_product), its projected stock-out is as_of + quantity / velocity, and the rule holds
-- while that is within vendstream.alerts.low-stock.hours from now; once open it stays open until
-- the projection is beyond vendstream.alerts.low-stock.resolve-hours (a restock, or demand that
-- fell), so a slot selling a little slower than usual does not flap at the horizon. A slot at 0
-- is a stock-out instead; a slot that has not sold in that period is never projected to run out.
with settings as (
    select cast(:#${properties:vendstream.alerts.low-stock.hours} as numeric) as hours,
           cast(:#${properties:vendstream.alerts.low-stock.resolve-hours} as numeric) as resolve_hours,
           cast(:#${properties:vendstream.alerts.low-stock.velocity-days} as integer) as days,
           (now() at time zone cast(:#${properties:vendstream.timezone} as text))::date as today
),
velocity as (
    select d.machine_id, d.product,
           sum(d.units)::numeric / least(max(st.days), greatest(1, max(st.today) - min(d.day) + 1)) as units_per_day
      from sales_daily_product d, settings st
     where d.day > st.today - st.days and d.day <= st.today
     group by d.machine_id, d.product
),
projection as (
    select s.machine_id, s.product, s.location, s.quantity, s.capacity, s.as_of, v.units_per_day,
           s.as_of + make_interval(secs => (s.quantity / v.units_per_day * 86400)::double precision) as runs_out_at
      from stock s
      join velocity v using (machine_id, product)
     where s.quantity > 0 and v.units_per_day > 0
)
select p.machine_id,
       p.product,
       p.location,
       'warning' as severity,
       p.product || ' in ' || p.machine_id || ' (' || p.location || ') runs out in about '
           || greatest(0, round(extract(epoch from p.runs_out_at - now()) / 3600))::integer || ' h' as summary,
       jsonb_build_object('quantity', p.quantity, 'capacity', p.capacity,
                          'unitsPerDay', round(p.units_per_day, 2), 'projectedStockOutAt', p.runs_out_at,
                          'horizonHours', st.hours)::text as details
  from projection p, settings st
 where p.runs_out_at <= now() + make_interval(secs => (st.hours * 3600)::double precision)
    or (p.runs_out_at <= now() + make_interval(secs => (st.resolve_hours * 3600)::double precision)
        and exists (select 1 from alerts a where a.rule = 'low-stock' and a.machine_id = p.machine_id
                       and a.product = p.product and a.resolved_at is null))
