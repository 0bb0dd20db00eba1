-- Inter-agency steps (liên thông): who handed the dossier over (the account as well as the
-- official, since leaders and administrators have no official record), who finished a step,
-- and what they noted. The hand-over itself (Mẫu 06) is `started_at`, `handed_by`, `note`.
ALTER TABLE dossier_steps ADD COLUMN handed_by_user BIGINT;
ALTER TABLE dossier_steps ADD COLUMN finished_by BIGINT;
ALTER TABLE dossier_steps ADD COLUMN finished_by_user BIGINT;
ALTER TABLE dossier_steps ADD COLUMN finish_note TEXT NOT NULL DEFAULT '';
CREATE INDEX dossier_steps_unit ON dossier_steps(unit_id, started_at);
