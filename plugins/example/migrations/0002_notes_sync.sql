-- Soft deletes (tombstones for offline sync) and the keyset order lists use.
ALTER TABLE example.notes ADD COLUMN deleted_at timestamptz;
CREATE INDEX notes_sync_idx ON example.notes (tenant_id, updated_at, id);
