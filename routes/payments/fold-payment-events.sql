-- Route match-payments, step 1: fold what changed into payment_transactions. Ingest queues the
-- transactionRef of every new payment event and every new cashless sale that carries one, in the
-- statement that stores it (payment_match_queue); this takes up to vendstream.payments.match-batch-size
-- queued references, recomputes each one's transaction from its own events only (the indexes on
-- transaction_ref), and marks it due to be judged now. The queue rows are deleted in the same
-- statement, so a reference is folded at least once after every event of it, and the cost is that
-- of the new events, whatever the size of the history.
with taken as (
    delete from payment_match_queue
     where seq in (select seq from payment_match_queue
                    order by seq
                    limit cast(:#${properties:vendstream.payments.match-batch-size} as integer)
                    for update skip locked)
    returning transaction_ref
),
refs as (
    select distinct transaction_ref from taken
),
vend as (
    select s.transaction_ref,
           count(*) as vends,
           (array_agg(s.event_id order by s.occurred_at, s.event_id))[1] as vend_event_id,
           min(s.occurred_at) as vend_at,
           sum(s.amount) as vend_amount,
           min(s.machine_id) as machine_id,
           min(s.payment_method) as payment_method,
           min(s.currency) as currency
      from refs r
      join sales s on s.transaction_ref = r.transaction_ref
     group by s.transaction_ref
),
pay as (
    select p.transaction_ref,
           count(*) filter (where p.kind = 'authorization') as authorizations,
           min(p.occurred_at) filter (where p.kind = 'authorization') as authorized_at,
           (array_agg(p.amount order by p.occurred_at, p.payment_event_id) filter (where p.kind = 'authorization'))[1]
               as authorized_amount,
           coalesce(sum(p.amount) filter (where p.kind = 'authorization'), 0) as authorized_total,
           count(*) filter (where p.kind = 'settlement') as settlements,
           max(p.occurred_at) filter (where p.kind = 'settlement') as settled_at,
           coalesce(sum(p.amount) filter (where p.kind = 'settlement'), 0) as settled_total,
           max(p.settlement_batch) as settlement_batch,
           count(*) filter (where p.kind in ('refund', 'void')) as refunds,
           coalesce(sum(p.amount) filter (where p.kind in ('refund', 'void')), 0) as refunded_total,
           min(p.occurred_at) as first_at,
           min(p.machine_id) as machine_id,
           min(p.processor) as processor,
           min(p.payment_method) as payment_method,
           min(p.currency) as currency
      from refs r
      join payments p on p.transaction_ref = r.transaction_ref
     group by p.transaction_ref
),
folded as (
    insert into payment_transactions as t (transaction_ref, machine_id, processor, payment_method, currency,
                                           vend_event_id, vends, vend_at, vend_amount,
                                           authorizations, authorized_at, authorized_amount, authorized_total,
                                           settlements, settled_at, settled_total, settlement_batch,
                                           refunds, refunded_total, first_at, check_at, updated_at)
    select r.transaction_ref, coalesce(v.machine_id, p.machine_id), p.processor,
           coalesce(p.payment_method, v.payment_method), coalesce(p.currency, v.currency),
           v.vend_event_id, coalesce(v.vends, 0), v.vend_at, v.vend_amount,
           coalesce(p.authorizations, 0), p.authorized_at, p.authorized_amount, coalesce(p.authorized_total, 0),
           coalesce(p.settlements, 0), p.settled_at, coalesce(p.settled_total, 0), p.settlement_batch,
           coalesce(p.refunds, 0), coalesce(p.refunded_total, 0), least(v.vend_at, p.first_at), now(), now()
      from refs r
      left join vend v using (transaction_ref)
      left join pay p using (transaction_ref)
     where v.transaction_ref is not null or p.transaction_ref is not null
    on conflict (transaction_ref) do update
       set machine_id = excluded.machine_id, processor = excluded.processor, payment_method = excluded.payment_method,
           currency = excluded.currency, vend_event_id = excluded.vend_event_id, vends = excluded.vends,
           vend_at = excluded.vend_at, vend_amount = excluded.vend_amount, authorizations = excluded.authorizations,
           authorized_at = excluded.authorized_at, authorized_amount = excluded.authorized_amount,
           authorized_total = excluded.authorized_total, settlements = excluded.settlements,
           settled_at = excluded.settled_at, settled_total = excluded.settled_total,
           settlement_batch = excluded.settlement_batch, refunds = excluded.refunds,
           refunded_total = excluded.refunded_total, first_at = excluded.first_at,
           check_at = excluded.check_at, updated_at = excluded.updated_at
    returning 1
)
select (select count(*) from taken) as queued, (select count(*) from folded) as folded
