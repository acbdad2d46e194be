-- Template display names (issue #15): what agents read instead of Meta's snake_case name, set by the account's admin.
-- Kept apart from `templates`, which each sync from Meta rewrites: a name survives syncs, re-categorisations and a
-- template that Meta removes and the business creates again under the same name.

CREATE TABLE template_display_names (
  deployment_id  text NOT NULL REFERENCES deployments (id),
  template_name  text NOT NULL CHECK (char_length(template_name) BETWEEN 1 AND 512),
  language       text NOT NULL CHECK (char_length(language) BETWEEN 2 AND 16),
  display_name   text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 80 AND display_name = btrim(display_name)),
  updated_at     timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (deployment_id, template_name, language)
);
COMMENT ON TABLE template_display_names IS 'A display name an account admin gave one template (name and language) of a deployment; the panel shows it instead of the template''s name, and finds the template by either.';
