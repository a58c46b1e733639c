-- Rules cashless-reader-down and coin-mechanism-down (one query, the route's alertRule header says
-- which device is watched): a machine that keeps selling while one way of paying has stopped.
-- cashless-reader-down watches qris, card and ewallet; coin-mechanism-down watches cash. The rule
-- holds when the watched methods' share of the machine's sales over the previous
-- vendstream.alerts.payment-device.baseline-days campus days (sales_daily_payment, today excluded)
-- is at least vendstream.alerts.payment-device.min-share, and none of its last
-- vendstream.alerts.payment-device.sales sales was paid that way. Resolves with the next sale that is.
with settings as (
    select cast(:#${header.alertRule} as text) = 'cashless-reader-down' as watch_cashless,
           cast(:#${properties:vendstream.alerts.payment-device.min-share} as numeric) as min_share,
           cast(:#${properties:vendstream.alerts.payment-device.sales} as integer) as last_sales,
           cast(:#${properties:vendstream.alerts.payment-device.baseline-days} as integer) as days,
           (now() at time zone cast(:#${properties:vendstream.timezone} as text))::date as today
),
baseline as (
    select p.machine_id,
           sum(p.sales_count) filter (where (p.payment_method <> 'cash') = st.watch_cashless)::numeric
               / nullif(sum(p.sales_count), 0) as share
      from sales_daily_payment p, settings st
     where p.day >= st.today - st.days and p.day < st.today
     group by p.machine_id
),
recent as (
    select m.machine_id, m.location, count(*) as sales,
           count(*) filter (where (r.payment_method <> 'cash') = st.watch_cashless) as watched,
           max(r.occurred_at) filter (where r.rn = 1) as last_sale_at
      from machines m
     cross join settings st
     cross join lateral (select s.payment_method, s.occurred_at, row_number() over (order by s.occurred_at desc) as rn
                           from sales s
                          where s.machine_id = m.machine_id
                          order by s.occurred_at desc
                          limit st.last_sales) as r
     group by m.machine_id, m.location
)
select r.machine_id,
       '' as product,
       r.location,
       'warning' as severity,
       case when st.watch_cashless
            then r.machine_id || ' (' || r.location || '): no cashless payment in its last ' || r.sales
                 || ' sales, normally ' || round(b.share * 100) || ' %; the card/QRIS reader may be down'
            else r.machine_id || ' (' || r.location || '): no cash payment in its last ' || r.sales
                 || ' sales, normally ' || round(b.share * 100) || ' %; the coin mechanism may be down'
       end as summary,
       jsonb_build_object('lastSales', r.sales, 'watchedMethods',
                          case when st.watch_cashless then 'qris, card, ewallet' else 'cash' end,
                          'usualShare', round(b.share, 3), 'minShare', st.min_share,
                          'lastSaleAt', r.last_sale_at)::text as details
  from recent r
  join baseline b using (machine_id)
 cross join settings st
 where r.sales >= st.last_sales and r.watched = 0 and b.share >= st.min_share
