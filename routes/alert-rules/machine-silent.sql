-- Rule machine-silent: a machine that has sent no event for longer than its own habits make
-- plausible. For every campus hour the silence covers, the machine's rate at that hour of the
-- week is its average sales in the same hour of the previous four weeks (sales_hourly); the
-- expected number of sales in the silence is the sum of those rates over the hours covered. With
-- sales arriving as a Poisson process, P(no sale in the silence) = e^(-expected); the rule holds
-- while that is below vendstream.alerts.machine-silent.max-probability. A machine that never
-- sells at 03:00 expects nothing then, so a quiet night raises nothing. Silences shorter than
-- vendstream.alerts.machine-silent.min-minutes are never reported. Resolves with the next event.
-- While no machine at all has reported for min-minutes (ingest catching up on a backlog, the
-- campus network down) no machine is judged: that silence is the pipeline's, not a machine's.
with settings as (
    select cast(:#${properties:vendstream.alerts.machine-silent.max-probability} as double precision) as max_probability,
           cast(:#${properties:vendstream.alerts.machine-silent.min-minutes} as integer) as min_minutes,
           cast(:#${properties:vendstream.timezone} as text) as zone
),
fleet as (
    select max(last_seen) as newest from machines
),
silent as (
    select m.machine_id, m.location, m.last_seen, now() as at, st.zone
      from machines m, settings st, fleet f
     where m.last_seen < now() - make_interval(mins => st.min_minutes)
       and f.newest >= now() - make_interval(mins => st.min_minutes)
),
covered as (
    -- the campus hours the silence covers (at most the last week), with the share of each covered
    select s.machine_id, h.hour,
           extract(epoch from least(h.hour + interval '1 hour', s.at) - greatest(h.hour, s.last_seen)) / 3600.0 as share
      from silent s
     cross join lateral generate_series(date_trunc('hour', greatest(s.last_seen, s.at - interval '7 days'), s.zone),
                                        s.at, interval '1 hour') as h(hour)
),
expected as (
    select c.machine_id,
           sum(c.share * coalesce((select sum(sh.sales_count) from sales_hourly sh
                                    where sh.machine_id = c.machine_id
                                      and sh.hour in (c.hour - interval '7 days', c.hour - interval '14 days',
                                                      c.hour - interval '21 days', c.hour - interval '28 days')), 0) / 4.0)
               as sales
      from covered c
     where c.share > 0
     group by c.machine_id
)
select s.machine_id,
       '' as product,
       s.location,
       'critical' as severity,
       s.machine_id || ' (' || s.location || ') has been silent for ' || round(extract(epoch from s.at - s.last_seen) / 60)::integer
           || ' min; it usually makes ' || round(e.sales::numeric, 1) || ' sales in that time' as summary,
       jsonb_build_object('lastSeen', s.last_seen,
                          'silentMinutes', round(extract(epoch from s.at - s.last_seen) / 60)::integer,
                          'expectedSales', round(e.sales::numeric, 2),
                          'probabilityOfSilence', exp(-e.sales),
                          'maxProbability', st.max_probability)::text as details
  from silent s
  join expected e using (machine_id)
 cross join settings st
 where exp(-e.sales) < st.max_probability
