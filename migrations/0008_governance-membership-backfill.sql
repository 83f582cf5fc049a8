-- Memberships recorded before periods existed: the honest start is the day each was recorded
-- (London time), not the day this migration ran. An administrator corrects it where the body's
-- records show an earlier date (the governance body's members page).
UPDATE "governance_members" SET "member_from" = ("created_at" AT TIME ZONE 'Europe/London')::date;
