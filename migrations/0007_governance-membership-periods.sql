DROP INDEX "governance_members_unique";--> statement-breakpoint
ALTER TABLE "governance_members" ADD COLUMN "member_from" date DEFAULT CURRENT_DATE NOT NULL;--> statement-breakpoint
ALTER TABLE "governance_members" ADD COLUMN "member_to" date;--> statement-breakpoint
CREATE INDEX "governance_members_body" ON "governance_members" USING btree ("body_id","user_id");--> statement-breakpoint
ALTER TABLE "governance_members" ADD CONSTRAINT "governance_members_period" CHECK ("governance_members"."member_to" IS NULL OR "governance_members"."member_to" >= "governance_members"."member_from");