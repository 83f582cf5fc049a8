-- Every change is audited, by construction (docs/architecture.md, data rules; adr/0005): a transaction
-- that writes to a table of the record commits only if it also appended to the audit chain, or if it
-- said why it needs no audit record (SET LOCAL commissioner.unaudited = '<reason>': sign-in
-- bookkeeping, a restore, reference data). Kept pages (adr/0004) are versioned by the chain, so an
-- unaudited write would leave them stale.

-- An append to the chain marks its transaction as audited.
CREATE OR REPLACE FUNCTION commissioner_mark_audited() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('commissioner.audited', 'on', true);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_mark_audited AFTER INSERT ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION commissioner_mark_audited();
--> statement-breakpoint
-- Checked at commit (a deferred constraint trigger), so the record may be appended before or after
-- the change it describes.
CREATE OR REPLACE FUNCTION commissioner_require_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('commissioner.audited', true), '') <> 'on'
     AND coalesce(current_setting('commissioner.unaudited', true), '') = '' THEN
    RAISE EXCEPTION 'a change to % was not audited: append an audit record in the same transaction', TG_TABLE_NAME
      USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- Attaches the check to a table of the record; every migration that creates one calls it.
CREATE OR REPLACE FUNCTION commissioner_audit_required(target regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s '
    'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commissioner_require_audit()',
    'audit_required', target);
END;
$$;
--> statement-breakpoint
SELECT commissioner_audit_required(t) FROM unnest(ARRAY[
  'organisations', 'users', 'api_tokens', 'programmes', 'governance_bodies', 'governance_members',
  'datasets', 'projects', 'incumbent_contracts', 'project_documents', 'document_versions',
  'decisions', 'checklist_tasks', 'risks', 'risk_history', 'equality_assessments'
]::regclass[]) AS t;
