-- The stock-mismatch rule is judged where the events are stored, not by re-reading its window.
-- Ingest already updates each slot's stock row once per batch; it now also keeps the stockAfter
-- of the slot's latest event (reported_level, null when that event reported none: the chain is
-- broken there), and judges each sale of the batch that continues the slot in order: against
-- the previous event of the batch, or, for the first, against reported_level. A sale whose
-- stockAfter is not the previous level minus the units sold is kept in stock_mismatches.
-- An event older than the slot's latest (a late one) cannot be judged that way: it may fill a
-- gap or break one further on. Its slot goes into stock_mismatch_rejudge, and the rule's next
-- evaluation reads that slot's events again (from its last restock or the window's start),
-- replacing its mismatches. The evaluation reads open mismatches and re-judged slots only: its
-- cost follows what changed, not how many sales are in the window.
alter table stock add column reported_level integer;

create table stock_mismatches (
    machine_id  text        not null,
    product     text        not null,
    location    text        not null,
    event_id    uuid        not null,
    occurred_at timestamptz not null,
    -- the previous level minus the units sold, and the sale's stockAfter
    expected    integer     not null,
    reported    integer     not null
);
create index stock_mismatches_slot_idx on stock_mismatches (machine_id, product, occurred_at);
create index stock_mismatches_occurred_at_idx on stock_mismatches (occurred_at);

create table stock_mismatch_rejudge (
    machine_id text        not null,
    product    text        not null,
    marked_at  timestamptz not null default now(),
    primary key (machine_id, product)
);

-- Slots stored before this migration: the level their latest event reported, so the next sale is
-- judged against it, and one re-judgement of what is in the window at the first evaluation.
update stock s
   set reported_level = (
       select e.stock_after
         from ((select x.stock_after, x.occurred_at, x.source_offset
                  from sales x where x.machine_id = s.machine_id and x.product = s.product
                 order by x.occurred_at desc, x.source_offset desc nulls last limit 1)
               union all
               (select y.stock_after, y.occurred_at, y.source_offset
                  from restocks y where y.machine_id = s.machine_id and y.product = s.product
                 order by y.occurred_at desc, y.source_offset desc nulls last limit 1)) e
        order by e.occurred_at desc, e.source_offset desc nulls last
        limit 1);
insert into stock_mismatch_rejudge (machine_id, product) select machine_id, product from stock;
