-- The reading of each alert rule that was applied last. A rule's query reads before its
-- evaluation takes the rule's lock, so two instances can apply their readings out of order; an
-- evaluation whose reading is not newer than the one applied last changes nothing (AlertStore).
create table alert_rule_readings (
    rule    text        primary key,
    read_at timestamptz not null
);
