CREATE TABLE "datasets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"provider_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"file_name" text NOT NULL,
	"sha256" text NOT NULL,
	"bytes" bigint NOT NULL,
	"rows" integer NOT NULL,
	"active_rows" integer NOT NULL,
	"replaced_rows" integer DEFAULT 0 NOT NULL,
	"replaces_dataset_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"key_id" text NOT NULL,
	"uploaded_by" uuid,
	"uploaded_by_label" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hia_referrals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dataset_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"client_hash" text NOT NULL,
	"provider_code" text NOT NULL,
	"referral_id" text NOT NULL,
	"service" text NOT NULL,
	"referral_date" date NOT NULL,
	"contacted_on" date,
	"visited_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sp_stays" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dataset_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"client_hash" text NOT NULL,
	"provider_code" text NOT NULL,
	"stay_id" text NOT NULL,
	"service_type" text NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date,
	"departure" text,
	"accommodation" text NOT NULL,
	"needs" text[] DEFAULT '{}'::text[] NOT NULL,
	"achieved" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "treatment_episodes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dataset_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"client_hash" text NOT NULL,
	"provider_code" text NOT NULL,
	"episode_id" text NOT NULL,
	"age_at_triage" integer NOT NULL,
	"triage_date" date NOT NULL,
	"discharge_date" date,
	"discharge_reason" text,
	"substances" text[] NOT NULL,
	"referral_source" text NOT NULL,
	"injecting_status" text,
	"hepb_status" text,
	"hepc_tested_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hia_referrals" ADD CONSTRAINT "hia_referrals_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sp_stays" ADD CONSTRAINT "sp_stays_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "treatment_episodes" ADD CONSTRAINT "treatment_episodes_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "datasets_kind_created_at" ON "datasets" USING btree ("kind","created_at");--> statement-breakpoint
CREATE INDEX "datasets_status" ON "datasets" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "hia_referrals_referral_id_unique" ON "hia_referrals" USING btree ("referral_id");--> statement-breakpoint
CREATE INDEX "hia_referrals_dataset_id" ON "hia_referrals" USING btree ("dataset_id");--> statement-breakpoint
CREATE INDEX "hia_referrals_client_hash" ON "hia_referrals" USING btree ("client_hash");--> statement-breakpoint
CREATE INDEX "hia_referrals_provider_referral" ON "hia_referrals" USING btree ("provider_code","referral_date");--> statement-breakpoint
CREATE INDEX "hia_referrals_referral_date" ON "hia_referrals" USING btree ("referral_date");--> statement-breakpoint
CREATE UNIQUE INDEX "sp_stays_stay_id_unique" ON "sp_stays" USING btree ("stay_id");--> statement-breakpoint
CREATE INDEX "sp_stays_dataset_id" ON "sp_stays" USING btree ("dataset_id");--> statement-breakpoint
CREATE INDEX "sp_stays_client_hash" ON "sp_stays" USING btree ("client_hash");--> statement-breakpoint
CREATE INDEX "sp_stays_provider_start" ON "sp_stays" USING btree ("provider_code","start_date");--> statement-breakpoint
CREATE INDEX "sp_stays_end_date" ON "sp_stays" USING btree ("end_date");--> statement-breakpoint
CREATE UNIQUE INDEX "treatment_episodes_episode_id_unique" ON "treatment_episodes" USING btree ("episode_id");--> statement-breakpoint
CREATE INDEX "treatment_episodes_dataset_id" ON "treatment_episodes" USING btree ("dataset_id");--> statement-breakpoint
CREATE INDEX "treatment_episodes_client_triage" ON "treatment_episodes" USING btree ("client_hash","triage_date");--> statement-breakpoint
CREATE INDEX "treatment_episodes_provider_triage" ON "treatment_episodes" USING btree ("provider_code","triage_date");--> statement-breakpoint
CREATE INDEX "treatment_episodes_discharge_date" ON "treatment_episodes" USING btree ("discharge_date");