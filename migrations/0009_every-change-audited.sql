-- Every change is audited, by construction (docs/adr/0007-every-change-audited-by-the-database.md): a
-- transaction that writes to a table of the record commits only if it also appended to the audit chain,
-- or if it said why it needs no audit record (SET LOCAL commissioner.unaudited = '<reason>': a restore,
-- sealing secrets stored in plain text, a test fixture). Kept pages (docs/adr/0004) are versioned by
-- the chain, so an unaudited write would leave them stale.

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
-- Checked at commit (a deferred constraint trigger), so the record may be appended before or after the
-- change it describes. The trigger's arguments name bookkeeping columns (a sign-in's failure count, when
-- a token was last used): an update that changes nothing else is not a change of the record.
CREATE OR REPLACE FUNCTION commissioner_require_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('commissioner.audited', true), '') = 'on'
     OR coalesce(current_setting('commissioner.unaudited', true), '') <> '' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND TG_NARGS > 0 AND (to_jsonb(OLD) - TG_ARGV) = (to_jsonb(NEW) - TG_ARGV) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'a change to % was not audited: append an audit record in the same transaction', TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME;
END;
$$;
--> statement-breakpoint
-- Attaches the check to a table of the record; a migration that creates one calls it.
CREATE OR REPLACE FUNCTION commissioner_audit_required(target regclass, bookkeeping text[] DEFAULT '{}')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'CREATE CONSTRAINT TRIGGER audit_required AFTER INSERT OR UPDATE OR DELETE ON %s '
    'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commissioner_require_audit(%s)',
    target,
    (SELECT coalesce(string_agg(quote_literal(column_name), ', '), '') FROM unnest(bookkeeping) AS column_name));
END;
$$;
--> statement-breakpoint
SELECT commissioner_audit_required(t) FROM unnest(ARRAY[
  'organisations', 'programmes', 'governance_bodies', 'governance_members', 'datasets', 'projects',
  'incumbent_contracts', 'project_documents', 'document_versions', 'decisions', 'checklist_tasks',
  'risks', 'risk_history', 'equality_assessments'
]::regclass[]) AS t;
--> statement-breakpoint
SELECT commissioner_audit_required('users', ARRAY[
  'failed_sign_ins', 'locked_until', 'totp_failures', 'totp_failures_since', 'totp_locked_at',
  'totp_last_step', 'updated_at'
]);
--> statement-breakpoint
SELECT commissioner_audit_required('api_tokens', ARRAY['last_used_at', 'updated_at']);
