-- Cheaper writes for ingest. Every batch updates most rows of stock and of the current hour's and
-- day's rollups. An update can stay on its page without touching any index (a HOT update) only
-- when no indexed column changes and the page has room for the new row version:
-- * stock.quantity changes with every sale, and its index made each of those updates insert into
--   both of the table's indexes. The readers of quantity (low stock, stock-outs, the restock plan)
--   read the whole table, one row per machine and product, so the index is dropped.
-- * the tables keep room on each page for the next versions of their rows (fillfactor); it
--   applies to pages written from now on.
drop index if exists stock_quantity_idx;
alter table stock set (fillfactor = 50);
alter table machines set (fillfactor = 50);
alter table sales_hourly set (fillfactor = 70);
alter table sales_daily_product set (fillfactor = 70);
alter table sales_daily_payment set (fillfactor = 70);
