-- Rule revenue-drop: a location taking much less than usual. Compares its revenue in the last
-- vendstream.alerts.revenue-drop.window-hours hours with the same hours of the same weekday in
-- each of the previous four weeks (their average). Opens when the average is at least
-- vendstream.alerts.revenue-drop.min-baseline and the revenue is below
-- (1 - vendstream.alerts.revenue-drop.drop-fraction) of it; once open it stays open until the
-- revenue is back to vendstream.alerts.revenue-drop.recovery-fraction of the average, so a
-- location hovering at the threshold is not notified again and again. While no machine at all has
-- reported for vendstream.alerts.machine-silent.min-minutes (ingest catching up, the campus network
-- down) no location is judged: its revenue is not in yet.
-- Revenue comes from the hourly rollup (sales_hourly, hours of the campus time zone), so the cost
-- of an evaluation does not grow with the number of sales in the window: the hours wholly inside a
-- window count in full, the hour the window starts in for the part of it inside the window, and
-- the hour it ends in (now, or now a week ago) for the part before the end; within those two hours
-- sales are taken as spread evenly, except this week's current hour, which holds exactly the sales
-- so far. Machines known only from DEX audits are left out: their hours are filled in when the next
-- read arrives, so the latest hours would always look like a drop.
with settings as (
    select cast(:#${properties:vendstream.alerts.revenue-drop.window-hours} as integer) as hours,
           cast(:#${properties:vendstream.alerts.revenue-drop.drop-fraction} as numeric) as drop_fraction,
           cast(:#${properties:vendstream.alerts.revenue-drop.recovery-fraction} as numeric) as recovery_fraction,
           cast(:#${properties:vendstream.alerts.revenue-drop.min-baseline} as numeric) as min_baseline,
           cast(:#${properties:vendstream.alerts.machine-silent.min-minutes} as integer) as fresh_minutes,
           cast(:#${properties:vendstream.timezone} as text) as zone
),
clock as (
    -- the current hour, and the share of it gone by
    select date_trunc('hour', now(), st.zone) as this_hour,
           extract(epoch from now() - date_trunc('hour', now(), st.zone)) / 3600 as elapsed
      from settings st
),
weeks as (
    select w as weeks_back,
           c.this_hour - make_interval(days => 7 * w) - make_interval(hours => st.hours) as start_hour,
           c.this_hour - make_interval(days => 7 * w) as end_hour,
           c.elapsed
      from settings st, clock c, generate_series(0, 4) as w
),
takings as (
    select l.location, w.weeks_back,
           coalesce((select sum(h.revenue * case when h.hour = w.start_hour then 1 - w.elapsed
                                                 when h.hour = w.end_hour and w.weeks_back > 0 then w.elapsed
                                                 else 1 end)
                       from sales_hourly h
                      where h.location = l.location and h.hour >= w.start_hour and h.hour <= w.end_hour
                        -- machines the stream reports: an audit-only machine's hours fill in only at its next read
                        and exists (select 1 from machines m where m.machine_id = h.machine_id)), 0) as revenue
      from (select distinct location from machines) l
     cross join weeks w
),
compared as (
    select location,
           sum(revenue) filter (where weeks_back = 0) as revenue,
           avg(revenue) filter (where weeks_back > 0) as usual
      from takings
     group by location
)
select '' as machine_id,
       '' as product,
       c.location,
       'warning' as severity,
       c.location || ': revenue in the last ' || st.hours || ' h is ' || round(c.revenue) || ', usually '
           || round(c.usual) || ' (' || round(100 * (1 - c.revenue / c.usual)) || ' % lower)' as summary,
       jsonb_build_object('windowHours', st.hours, 'revenue', round(c.revenue, 2), 'usualRevenue', round(c.usual, 2),
                          'dropFraction', st.drop_fraction, 'recoveryFraction', st.recovery_fraction)::text as details
  from compared c
 cross join settings st
 where c.usual >= st.min_baseline
   and (select max(last_seen) from machines) >= now() - make_interval(mins => st.fresh_minutes)
   and (c.revenue < (1 - st.drop_fraction) * c.usual
        or (c.revenue < st.recovery_fraction * c.usual
            and exists (select 1 from alerts a where a.rule = 'revenue-drop' and a.location = c.location
                           and a.machine_id = '' and a.resolved_at is null)))
