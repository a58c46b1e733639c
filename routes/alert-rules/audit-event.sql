-- Rule audit-event: a machine whose latest DEX audit read reports events (EA1: door openings,
-- faults, power cuts ... as the controller codes them) that happened inside the interval since its
-- previous read. One alert per machine and event code; it resolves when a later read's interval
-- holds no such event, or once the interval is older than the lookback. Codes listed in
-- vendstream.alerts.audit-event.ignore (say, the door opening of every visit) never alert. Only each
-- machine's latest interval and that read's events are read: the cost follows the fleet.
with settings as (
    select cast(:#${properties:vendstream.alerts.audit-event.lookback-hours} as integer) as lookback_hours,
           string_to_array(cast(:#${properties:vendstream.alerts.audit-event.ignore} as text), ',') as ignored
),
latest as (
    select distinct on (i.machine_id) i.read_id, i.machine_id, i.from_at, i.to_at
      from dex_intervals i, settings st
     where i.to_at > now() - make_interval(hours => st.lookback_hours)
       -- a second copy of a read (other bytes, same read time) makes an empty interval: not a reading
       and i.to_at > i.from_at
     order by i.machine_id, i.to_at desc, i.read_id desc
),
events as (
    select l.machine_id, l.read_id, e.event_code, count(*) as times, max(e.occurred_at) as last_at
      from latest l
      join dex_read_events e on e.read_id = l.read_id
     where e.occurred_at > l.from_at and e.occurred_at <= l.to_at
     group by l.machine_id, l.read_id, e.event_code
)
select ev.machine_id,
       'event ' || ev.event_code as product,
       coalesce(m.location, a.location, '') as location,
       'warning' as severity,
       ev.machine_id || ' reported event ' || ev.event_code || ' ' || ev.times
           || ' time(s) since its previous audit read' as summary,
       jsonb_build_object('readId', ev.read_id, 'event', ev.event_code, 'times', ev.times, 'lastAt', ev.last_at)::text as details
  from events ev
  cross join settings st
  left join machines m on m.machine_id = ev.machine_id
  left join audit_machines a on a.machine_id = ev.machine_id
 where not (ev.event_code = any(array(select trim(x) from unnest(st.ignored) x)))
