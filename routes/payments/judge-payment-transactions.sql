-- Route match-payments, step 2: judge the transactions that are due (just folded, or a window of
-- theirs closed): up to vendstream.payments.match-batch-size of them, through the partial index on
-- check_at, so the cost is that of the due ones, whatever the size of the history. Each ends
-- matched, refunded (a failed vend given back), pending (a window still open; check_at = when it
-- closes, grace included) or in exactly one exception, the first that applies:
--   PAYMENT_WITHOUT_VEND  authorized or settled, no vend, never refunded (a failed vend not refunded)
--   VEND_WITHOUT_PAYMENT  a cashless vend the processor never authorized
--   DOUBLE_AUTHORIZATION  authorized more than once (less the voids): a double charge
--   AMOUNT_MISMATCH       vend and first authorization differ, or settled differs from authorized less refunds
--   SETTLEMENT_MISSING    authorized and vended, no settlement within the settlement window
-- A transaction's exception of another kind than its verdict now is resolved (a late settlement,
-- a refund); a new one is opened once (payment_exceptions_one_open_idx).
with settings as (
    select make_interval(mins => cast(:#${properties:vendstream.payments.authorization-window-minutes} as integer))
               as auth_window,
           make_interval(hours => cast(:#${properties:vendstream.payments.settlement-window-hours} as integer))
               as settle_window,
           make_interval(mins => cast(:#${properties:vendstream.payments.grace-minutes} as integer)) as grace,
           now() as now
),
due as (
    select t.*
      from payment_transactions t
     where t.check_at <= now()
     order by t.check_at
     limit cast(:#${properties:vendstream.payments.match-batch-size} as integer)
     for update skip locked
),
waiting as (
    select d.*,
           case when st.now < d.first_at + st.auth_window + st.grace
                     then d.first_at + st.auth_window + st.grace
                when d.vends > 0 and d.authorizations > 0 and d.settlements = 0 and d.refunds = 0
                     and st.now < d.authorized_at + st.settle_window + st.grace
                     then d.authorized_at + st.settle_window + st.grace
           end as waiting_until
      from due d
     cross join settings st
),
verdicts as (
    select w.transaction_ref, w.machine_id, w.processor, w.waiting_until, w.vends, w.refunds,
           case when w.waiting_until is not null then null
                when w.vends = 0 and w.refunds = 0 then 'PAYMENT_WITHOUT_VEND'
                when w.vends = 0 then null
                when w.authorizations = 0 then 'VEND_WITHOUT_PAYMENT'
                when w.authorizations - w.refunds > 1 then 'DOUBLE_AUTHORIZATION'
                when w.vend_amount <> w.authorized_amount
                     or (w.settlements > 0 and w.settled_total <> w.authorized_total - w.refunded_total)
                     then 'AMOUNT_MISMATCH'
                when w.settlements = 0 and w.refunds = 0 then 'SETTLEMENT_MISSING'
           end as exception,
           w.vend_amount, w.authorized_amount, w.authorized_total, w.settled_total, w.authorizations, w.settlements,
           w.authorized_at, w.vend_at
      from waiting w
),
judged as (
    select v.transaction_ref, v.machine_id, v.processor, v.exception,
           case when v.exception is not null then 'exception'
                when v.vends = 0 and v.refunds > 0 then 'refunded'
                when v.waiting_until is not null then 'pending'
                else 'matched'
           end as status,
           v.waiting_until as check_at,
           case v.exception
                when 'VEND_WITHOUT_PAYMENT' then v.vend_amount
                when 'AMOUNT_MISMATCH' then abs(coalesce(v.authorized_amount, 0) - coalesce(v.vend_amount, 0))
                                            + abs(v.authorized_total - v.settled_total)
                when 'DOUBLE_AUTHORIZATION' then v.authorized_total - coalesce(v.authorized_amount, 0)
                else v.authorized_total
           end as amount,
           case v.exception
                when 'PAYMENT_WITHOUT_VEND' then 'authorized ' || v.authorized_total || ', settled ' || v.settled_total
                                                 || ', no vend and no refund'
                when 'VEND_WITHOUT_PAYMENT' then 'vend of ' || v.vend_amount || ' at ' || v.vend_at
                                                 || ', no authorization'
                when 'DOUBLE_AUTHORIZATION' then v.authorizations || ' authorizations, ' || v.authorized_total
                                                 || ' authorized for a vend of ' || v.vend_amount
                when 'AMOUNT_MISMATCH' then 'vend ' || v.vend_amount || ', authorized ' || v.authorized_total
                                            || ', settled ' || v.settled_total
                when 'SETTLEMENT_MISSING' then 'authorized ' || v.authorized_total || ' at ' || v.authorized_at
                                               || ', not settled'
           end as detail
      from verdicts v
),
updated as (
    update payment_transactions t
       set status = j.status, exception = j.exception, check_at = j.check_at, judged_at = now()
      from judged j
     where t.transaction_ref = j.transaction_ref
    returning t.transaction_ref
),
resolved as (
    update payment_exceptions e
       set resolved_at = now()
      from judged j
     where e.transaction_ref = j.transaction_ref and e.resolved_at is null and e.kind is distinct from j.exception
    returning e.id
),
opened as (
    insert into payment_exceptions (transaction_ref, kind, machine_id, processor, amount, detail)
    select j.transaction_ref, j.exception, j.machine_id, j.processor, j.amount, j.detail
      from judged j
     where j.exception is not null
    on conflict (transaction_ref, kind) where resolved_at is null do nothing
    returning id
)
select (select count(*) from updated) as judged, (select count(*) from opened) as opened,
       (select count(*) from resolved) as resolved
