-- 0003: room on every page of the tables that commands update in place.
-- Every command rewrites rows of balances and channel_raws; with free
-- space on the page PostgreSQL updates a row without touching its index
-- (a heap-only tuple), where a full page makes each update insert into
-- the primary key as well. Applied by Migrate with search_path set to the
-- store's schema, inside the migration transaction; pages written before
-- keep their old fill until they are rewritten.
ALTER TABLE balances SET (fillfactor = 70);
ALTER TABLE channel_raws SET (fillfactor = 70);
ALTER TABLE ledger_head SET (fillfactor = 50);
