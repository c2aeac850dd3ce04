DROP TABLE collection_schedules;
DROP TABLE collection_changes;
DROP TABLE collection_items;
DROP TABLE collections;
