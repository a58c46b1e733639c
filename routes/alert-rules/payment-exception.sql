-- Rule payment-exception: a machine with open payment exceptions of one kind (routes/payments/
-- judge-payment-transactions.sql, docs/payments.md), one alert per machine and kind (the kind in the
-- product column), however many transactions. Resolves when the last of them is resolved, e.g. by a
-- late settlement. Reads only the open exceptions (payment_exceptions_open_machine_idx).
select e.machine_id,
       e.kind as product,
       coalesce(m.location, '') as location,
       case when e.kind in ('PAYMENT_WITHOUT_VEND', 'DOUBLE_AUTHORIZATION') then 'critical' else 'warning' end as severity,
       e.machine_id || ': ' || count(*) || ' open payment exception(s) ' || e.kind || ', '
           || coalesce(sum(e.amount), 0) || ' at stake' as summary,
       jsonb_build_object('kind', e.kind, 'open', count(*), 'amount', coalesce(sum(e.amount), 0),
                          'oldestOpenedAt', min(e.opened_at),
                          'firstTransactionRef', min(e.transaction_ref))::text as details
  from payment_exceptions e
  left join machines m on m.machine_id = e.machine_id
 where e.resolved_at is null
 group by e.machine_id, e.kind, m.location
