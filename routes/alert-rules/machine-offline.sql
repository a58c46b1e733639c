-- Rule machine-offline: a machine that connects directly (docs/connect.md) whose MQTT session has
-- been down for longer than vendstream.alerts.machine-offline.min-minutes: its last will came, its
-- connection dropped, or it said offline. A clean DISCONNECT is a machine's own choice (one that
-- connects only to send does so each time) and raises nothing. Resolves when it reconnects. A
-- revoked machine is not judged. Reads only the devices whose session is down (a partial index):
-- the cost follows the machines that are offline, not the fleet or the history.
with settings as (
    select cast(:#${properties:vendstream.alerts.machine-offline.min-minutes} as integer) as min_minutes
)
select d.machine_id,
       '' as product,
       coalesce(m.location, '') as location,
       'critical' as severity,
       d.machine_id || coalesce(' (' || m.location || ')', '') || ' has been offline since '
           || to_char(d.session_since at time zone :#${properties:vendstream.timezone}, 'YYYY-MM-DD HH24:MI')
           || ' (' || coalesce(d.session_ended, 'connection ended') || ')' as summary,
       jsonb_build_object('offlineSince', d.session_since, 'ended', d.session_ended,
                          'reportedStatus', d.reported_status, 'lastAddress', d.session_address)::text as details
  from devices d
 cross join settings st
  left join machines m using (machine_id)
 where not d.connected
   and d.revoked_at is null
   and (d.session_ended is distinct from 'disconnect' or d.reported_status = 'offline')
   and d.session_since < now() - make_interval(mins => st.min_minutes)
