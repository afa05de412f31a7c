-- When a published work was last unpublished. Offline sync (updated_since)
-- answers anonymous callers a tombstone for it, as for a deleted one, instead
-- of letting it vanish; drafts never published stay unseen. Cleared when the
-- work is published again.
ALTER TABLE public_works.projects ADD COLUMN unpublished_at timestamptz;
