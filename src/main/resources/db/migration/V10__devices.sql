-- Machines that connect directly (docs/connect.md): each has its own credentials. The secret is
-- shown once, when it is issued; only its SHA-256 is kept (a secret is 32 random bytes, so a slow
-- password hash would add nothing but cost on every connect). A revoked device keeps its row, so
-- its history and who revoked it stay readable; registering it again issues a new secret.
create table devices (
    machine_id      text        primary key,
    secret_sha256   bytea       not null,
    registered_at   timestamptz not null default now(),
    registered_by   text        not null,
    rotated_at      timestamptz,
    revoked_at      timestamptz,
    revoked_by      text,
    -- the device's MQTT session as the instance that served it last saw it: connected or not,
    -- since when, from where, and how it ended ('disconnect', 'last will', 'revoked', 'server stopped')
    connected       boolean     not null default false,
    session_since   timestamptz,
    session_address text,
    -- the MQTT endpoint (host:port) that holds the session
    session_server  text,
    session_ended   text,
    -- what the device itself last said on vendstream/machines/{id}/status ('online' or 'offline')
    reported_status text,
    reported_at     timestamptz
);
-- the machine-offline alert rule reads only devices whose session is down
create index devices_disconnected_idx on devices (session_since) where not connected and revoked_at is null;
