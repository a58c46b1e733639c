-- Alerts: the state of every alert rule (routes/alert-rule-*.camel.yaml) and the outbox its
-- transitions leave the system through. The rule routes only ever raise, refresh and resolve
-- alerts through one statement (alerts.AlertStore), so the database, not timing, decides when two
-- instances evaluate the same rule at once: at most one open alert per rule, machine and product,
-- and exactly one transition row per opening and per resolution.

create table alerts (
    id              bigserial   primary key,
    rule            text        not null,
    -- '' where the rule is about a location rather than one machine (revenue-drop)
    machine_id      text        not null,
    -- '' where the rule is about a whole machine rather than one product slot
    product         text        not null,
    location        text        not null,
    severity        text        not null check (severity in ('critical', 'warning', 'info')),
    summary         text        not null,
    -- the figures that made the rule fire, as of the last evaluation that saw the condition
    details         jsonb       not null default '{}',
    opened_at       timestamptz not null default now(),
    last_seen_at    timestamptz not null default now(),
    resolved_at     timestamptz,
    acknowledged_at timestamptz,
    acknowledged_by text
);
-- The guard against alert fatigue: a condition that persists can never open a second alert.
create unique index alerts_one_open_per_subject_idx on alerts (rule, machine_id, product) where resolved_at is null;
create index alerts_opened_at_idx on alerts (opened_at desc);
create index alerts_resolved_at_idx on alerts (resolved_at desc) where resolved_at is not null;

-- One row per transition (opened, resolved), written in the same statement as the transition;
-- its id is the idempotency key a receiver sees, and payload is exactly what is delivered
-- (schema/alert-v1.json; json, not jsonb, so its fields keep their order).
create table alert_transitions (
    id          uuid        primary key,
    seq         bigserial   not null unique,
    alert_id    bigint      not null references alerts (id),
    transition  text        not null check (transition in ('opened', 'resolved')),
    occurred_at timestamptz not null,
    payload     json        not null
);
create index alert_transitions_alert_idx on alert_transitions (alert_id, seq);

-- The outbox: one row per transition and sink ('kafka': topic vending.alerts; 'notify':
-- routes/notify-alerts.camel.yaml). A dispatcher claims due rows by moving next_attempt_at past
-- now (a lease, so two instances never deliver the same row at once and a crashed one's rows come
-- back); a delivery sets delivered_at, a failure moves next_attempt_at by the backoff.
create table alert_deliveries (
    transition_id   uuid        not null references alert_transitions (id),
    sink            text        not null,
    attempts        integer     not null default 0,
    next_attempt_at timestamptz not null default now(),
    delivered_at    timestamptz,
    last_error      text,
    primary key (transition_id, sink)
);
create index alert_deliveries_due_idx on alert_deliveries (sink, next_attempt_at) where delivered_at is null;
