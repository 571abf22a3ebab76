-- Runs longer than the 1 s command timeout LongMigrationTests gives the data source, as a migration that rewrites a
-- large table does (0006 on 10 million request rows took minutes).
SELECT pg_sleep(2.5);
CREATE TABLE long_migration_done (id integer PRIMARY KEY);
