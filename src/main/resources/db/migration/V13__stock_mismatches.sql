-- Stock continuity judged as events are stored, so the stock-mismatch rule reads only its verdicts.
--
-- A sale's stockAfter should be the slot's previous level minus the units sold: the stock_after of
-- the slot's previous event (sale or restock) in the order the events occurred (occurred_at, then
-- the order the machine reported them in, source_offset, then event_id). stock_mismatches holds the
-- sales where both numbers were reported and they disagree, one row per sale. Statement triggers on
-- sales and restocks keep it inside the transaction that stores the events (the ingest transaction,
-- or any other writer's): for each slot the statement touched, the events from the last one before
-- the earliest new event to the first one after the latest new event are read through the slot
-- indexes below and every sale among them from the earliest new event on is judged again. An event
-- in order reads its predecessor and itself; a late event lands in the middle of the chain and its
-- successor is judged again too, so a lost event that turns up makes the chain agree and clears
-- the successor's mismatch. A redelivered event is not inserted (the event tables' primary keys
-- claim eventIds), so it is in no transition table and judges nothing. Every event, imported files'
-- too, is stored by ingest, and a machine's events (keyed by machine) by one transaction at a time
-- (their partition's fence), so a slot is judged by one transaction at a time. Two transactions
-- storing events of one slot at the same moment (a producer that keys a machine's events to two
-- partitions) would not see each other's rows: a verdict next to them could stay as the first
-- judged it until another event of the slot lands there.
--
-- The rule (routes/alert-rules/stock-mismatch.sql) keeps what the verdicts do not decide: the
-- window (vendstream.alerts.stock-mismatch.window-hours) and the slot's last restock (a restock
-- sets the level afresh, so only mismatches after it hold). Retention deletes a sale's verdict
-- with the sale (routes/purge/sales.sql).

create table stock_mismatches (
    event_id    uuid        primary key,  -- the sale
    machine_id  text        not null,
    product     text        not null,
    location    text        not null,
    occurred_at timestamptz not null,
    expected    integer     not null,     -- the previous event's stock_after minus the units sold
    reported    integer     not null      -- the sale's own stock_after
);
-- the rule reads the window's verdicts
create index stock_mismatches_occurred_at_idx on stock_mismatches (occurred_at);

-- a slot's neighbours of an event, and the rule's "restocked since" check
create index sales_slot_occurred_at_idx on sales (machine_id, product, occurred_at);
create index restocks_slot_occurred_at_idx on restocks (machine_id, product, occurred_at);

create function judge_stock_continuity() returns trigger language plpgsql
    -- the schema Flyway created it in, whatever the search_path of the session that stores events
    set search_path from current as $$
begin
    with slots as (
        select machine_id, product, min(occurred_at) as first_at, max(occurred_at) as last_at
          from new_events
         group by machine_id, product
    ),
    bounds as (
        -- from the slot's last event before the earliest new one to its first after the latest new one
        select s.machine_id, s.product, s.first_at,
               coalesce(greatest(
                   (select max(x.occurred_at) from sales x
                     where x.machine_id = s.machine_id and x.product = s.product and x.occurred_at < s.first_at),
                   (select max(x.occurred_at) from restocks x
                     where x.machine_id = s.machine_id and x.product = s.product and x.occurred_at < s.first_at)),
                   s.first_at) as from_at,
               coalesce(least(
                   (select min(x.occurred_at) from sales x
                     where x.machine_id = s.machine_id and x.product = s.product and x.occurred_at > s.last_at),
                   (select min(x.occurred_at) from restocks x
                     where x.machine_id = s.machine_id and x.product = s.product and x.occurred_at > s.last_at)),
                   s.last_at) as to_at
          from slots s
    ),
    events as (
        select b.first_at, x.event_id, true as is_sale, x.machine_id, x.product, x.location, x.quantity,
               x.stock_after, x.occurred_at, x.source_offset
          from bounds b
          join sales x on x.machine_id = b.machine_id and x.product = b.product
                      and x.occurred_at between b.from_at and b.to_at
        union all
        select b.first_at, x.event_id, false, x.machine_id, x.product, x.location, x.quantity,
               x.stock_after, x.occurred_at, x.source_offset
          from bounds b
          join restocks x on x.machine_id = b.machine_id and x.product = b.product
                         and x.occurred_at between b.from_at and b.to_at
    ),
    chained as (
        select e.*,
               lag(e.stock_after) over (partition by e.machine_id, e.product
                                        order by e.occurred_at, e.source_offset, e.event_id) as previous_level
          from events e
    ),
    judged as (
        select c.*,
               coalesce(c.stock_after <> c.previous_level - c.quantity, false) as mismatch
          from chained c
         where c.is_sale and c.occurred_at >= c.first_at
    ),
    cleared as (
        delete from stock_mismatches m
         using judged j
         where m.event_id = j.event_id and not j.mismatch
    )
    insert into stock_mismatches (event_id, machine_id, product, location, occurred_at, expected, reported)
    select event_id, machine_id, product, location, occurred_at, previous_level - quantity, stock_after
      from judged
     where mismatch
    on conflict (event_id) do update set expected = excluded.expected, reported = excluded.reported;
    return null;
end;
$$;

create trigger sales_judge_stock_continuity after insert on sales
    referencing new table as new_events
    for each statement execute function judge_stock_continuity();
create trigger restocks_judge_stock_continuity after insert on restocks
    referencing new table as new_events
    for each statement execute function judge_stock_continuity();

-- The verdicts of the last two days (the window's default is one), as the rule judged them until
-- now: the chain from the range's first event on.
insert into stock_mismatches (event_id, machine_id, product, location, occurred_at, expected, reported)
select event_id, machine_id, product, location, occurred_at, previous_level - quantity, stock_after
  from (select e.*, lag(e.stock_after) over (partition by e.machine_id, e.product
                                             order by e.occurred_at, e.source_offset, e.event_id) as previous_level
          from (select event_id, true as is_sale, machine_id, product, location, quantity, stock_after, occurred_at,
                       source_offset
                  from sales where occurred_at > now() - interval '2 days'
                union all
                select event_id, false, machine_id, product, location, quantity, stock_after, occurred_at, source_offset
                  from restocks where occurred_at > now() - interval '2 days') e) c
 where is_sale and stock_after <> previous_level - quantity;
