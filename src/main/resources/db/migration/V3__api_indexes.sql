-- Indexes for the HTTP API's filters. Every endpoint reads a bounded range of a rollup or the
-- newest rows of a table through an index; these cover the filters V1 does not.

-- /api/payments by location or machine over a range of days
create index sales_daily_payment_location_day_idx on sales_daily_payment (location, day);
create index sales_daily_payment_machine_day_idx on sales_daily_payment (machine_id, day);

-- /api/products/top for one machine
create index sales_daily_product_machine_day_idx on sales_daily_product (machine_id, day);

-- /api/rejections?reason=...: the latest of one reason without walking all rejections
create index rejected_events_reason_rejected_at_idx on rejected_events (reason, rejected_at desc);
