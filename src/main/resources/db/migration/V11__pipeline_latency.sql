-- Two latency figures instead of one. 'pipeline' is received -> committed: from the Kafka record's
-- timestamp (when the event entered the system: the producer's CreateTime, set by the simulator,
-- the MQTT and HTTP ingress and the file import) to the ingest transaction that stores it; the
-- latency card and vendstream_pipeline_latency_seconds read it. 'device' is occurredAt -> received:
-- how late a machine reports (its clock, its queue, its network), vendstream_device_delay_seconds.
-- Rows written before this migration measured occurredAt -> committed, the sum of both; they are
-- kept as 'device' rows (a bound from above) and leave the card's window within minutes.
alter table latency_minute add column stage text not null default 'device';
alter table latency_minute alter column stage set default 'pipeline';
alter table latency_minute add constraint latency_minute_stage check (stage in ('pipeline', 'device'));
alter table latency_minute drop constraint latency_minute_pkey;
alter table latency_minute add primary key (minute, stage, le_ms, writer);
