import * as z from 'zod';
import { knownTemplateCategories } from '../templates/schema.js';

/*
 * Opt-in topics: what a customer agrees to receive (order updates, offers, newsletters…). Consent is
 * given per topic, and every template needs the consent of exactly one topic, found from its name or
 * its category by the account's rules.
 *
 * A template's topic follows its category as it is NOW. Meta re-categorises templates (a UTILITY
 * template judged promotional becomes MARKETING), so callers pass the current category on every send,
 * never one remembered from when the template was created: after such a change the template needs the
 * consent of its new topic.
 */

/** Every account has these topics, one per Meta template category; they cannot be removed. */
export const defaultTopicIds = ['marketing', 'utility', 'authentication'] as const;

export type DefaultTopicId = (typeof defaultTopicIds)[number];

type TemplateCategory = (typeof knownTemplateCategories)[number];

/** The topic of a template that no rule matches: the default topic of its category. */
export const defaultTopicByCategory = {
  MARKETING: 'marketing',
  UTILITY: 'utility',
  AUTHENTICATION: 'authentication',
} as const satisfies Record<TemplateCategory, DefaultTopicId>;

/** Long enough for a descriptive id (`order_and_delivery_updates`), short enough to show whole in a column. */
export const topicIdLengthMax = 64;

/** A label is a short name shown in the sidebar; anything longer belongs in the opt-in wording itself. */
export const topicLabelLengthMax = 100;

/** Topics are picked from a list in the sidebar: beyond a few dozen the list stops being usable. */
export const topicsMax = 50;

/** Rules by template name can outnumber topics (one per template), but a WABA holds at most a few hundred templates. */
export const templateRulesMax = 500;

/** Meta's own limit on a template name. */
const templateNameLengthMax = 512;

const topicIdPattern = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

export const topicIdSchema = z
  .string()
  .max(topicIdLengthMax)
  .regex(topicIdPattern, 'must be lower snake case starting with a letter, e.g. order_updates')
  .meta({ description: 'Opt-in topic id in lower snake case.', example: 'order_updates' });

export const topicSchema = z.strictObject({
  id: topicIdSchema,
  label: z.string().trim().min(1).max(topicLabelLengthMax).optional(),
});

const upperCase = (value: unknown) => (typeof value === 'string' ? value.toUpperCase() : value);

export const templateRuleSchema = z.strictObject({
  match: z
    .strictObject({
      category: z.preprocess(upperCase, z.enum(knownTemplateCategories)).optional(),
      template_name: z
        .string()
        .max(templateNameLengthMax)
        .regex(/^[a-z0-9_]+$/, 'must be a template name as Meta spells it (lower case, digits and _)')
        .optional(),
    })
    .refine((match) => match.category !== undefined || match.template_name !== undefined, {
      message: 'must name a category, a template name, or both',
      params: { problem: 'empty_match' },
    }),
  topic: topicIdSchema,
});

/**
 * An account's topics and the rules that give templates their topic. Parsing always yields the three
 * default topics (added first when the input leaves them out, so that no configuration can lose them),
 * topic ids are unique, and every rule points at a topic of the configuration. Two rules with the same
 * match are refused: which one wins would depend on their order in the list.
 */
export const topicConfigurationSchema = z
  .strictObject({
    topics: z.array(topicSchema).max(topicsMax).default([]),
    template_rules: z.array(templateRuleSchema).max(templateRulesMax).default([]),
  })
  .superRefine((configuration, context) => {
    for (const issue of topicConfigurationIssues(configuration)) {
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path, params: { problem: issue.problem } });
    }
  })
  .transform((configuration) => ({ ...configuration, topics: withDefaultTopics(configuration.topics) }));

export type TopicConfigurationInput = z.input<typeof topicConfigurationSchema>;
export type TopicConfiguration = z.output<typeof topicConfigurationSchema>;
export type Topic = z.output<typeof topicSchema>;
export type TemplateRule = z.output<typeof templateRuleSchema>;

/** The configuration of an account that has not set one up: the default topics and no rules. */
export const defaultTopicConfiguration: TopicConfiguration = {
  topics: defaultTopicIds.map((id) => ({ id })),
  template_rules: [],
};

type ConfigurationIssue = { path: (string | number)[]; problem: string; message: string };

function topicConfigurationIssues(configuration: {
  topics: readonly Topic[];
  template_rules: readonly TemplateRule[];
}): ConfigurationIssue[] {
  const issues: ConfigurationIssue[] = [];
  const topicIds = new Set<string>(defaultTopicIds);
  const listedTopicIds = new Set<string>();
  configuration.topics.forEach((topic, index) => {
    if (listedTopicIds.has(topic.id)) {
      issues.push({ path: ['topics', index, 'id'], problem: 'duplicate_topic', message: `topic ${topic.id} is listed twice` });
    }
    listedTopicIds.add(topic.id);
    topicIds.add(topic.id);
  });
  const ruleMatches = new Set<string>();
  configuration.template_rules.forEach((rule, index) => {
    if (!topicIds.has(rule.topic)) {
      issues.push({ path: ['template_rules', index, 'topic'], problem: 'unknown_topic', message: `no topic ${rule.topic}` });
    }
    const matchKey = `${rule.match.category ?? ''}/${rule.match.template_name ?? ''}`;
    if (ruleMatches.has(matchKey)) {
      issues.push({
        path: ['template_rules', index, 'match'],
        problem: 'duplicate_rule',
        message: 'an earlier rule has the same match',
      });
    }
    ruleMatches.add(matchKey);
  });
  return issues;
}

function withDefaultTopics(topics: readonly Topic[]): Topic[] {
  const listed = new Set(topics.map((topic) => topic.id));
  const missingDefaults = defaultTopicIds.filter((id) => !listed.has(id)).map((id) => ({ id }));
  return [...missingDefaults, ...topics];
}

/** The ids of an account's topics, defaults included. */
export function topicIds(configuration: Pick<TopicConfiguration, 'topics'>): string[] {
  return withDefaultTopics(configuration.topics).map((topic) => topic.id);
}

export type TemplateIdentity = {
  name: string;
  /** The category in force now, as Meta reports it; null or unknown categories count as MARKETING. */
  category: string | null;
};

/**
 * The topic whose consent a template needs. The most specific rule decides, so the order of the rules
 * never matters (duplicates are refused when the configuration is parsed):
 * 1. a rule naming both the template and its current category;
 * 2. a rule naming the template;
 * 3. a rule naming its category;
 * 4. otherwise the default topic of its category.
 * A category Meta may add later, or a missing one, counts as MARKETING: asking for marketing consent is
 * the safe side, since it is the consent customers most often withhold.
 */
export function topicForTemplate(configuration: Pick<TopicConfiguration, 'template_rules'>, template: TemplateIdentity): string {
  const category = templateCategoryOf(template.category);
  const rules = configuration.template_rules;
  const byNameAndCategory = rules.find((rule) => rule.match.template_name === template.name && rule.match.category === category);
  const byName = rules.find((rule) => rule.match.template_name === template.name && rule.match.category === undefined);
  const byCategory = rules.find((rule) => rule.match.template_name === undefined && rule.match.category === category);
  return (byNameAndCategory ?? byName ?? byCategory)?.topic ?? defaultTopicByCategory[category];
}

function templateCategoryOf(category: string | null): TemplateCategory {
  const upperCased = category?.toUpperCase();
  return (knownTemplateCategories as readonly string[]).includes(upperCased ?? '')
    ? (upperCased as TemplateCategory)
    : 'MARKETING';
}

/**
 * The topics a customer's WhatsApp marketing preference (Stop / Resume promotions, error 131050) covers:
 * `marketing` and every topic a rule gives to MARKETING templates. A rule by template name alone does
 * not count, since it does not say the template is a marketing one; a send of such a template that Meta
 * refuses with 131050 still records the opt-out of its own topic.
 */
export function marketingTopics(configuration: Pick<TopicConfiguration, 'template_rules'>): string[] {
  const fromRules = configuration.template_rules.filter((rule) => rule.match.category === 'MARKETING').map((rule) => rule.topic);
  return [...new Set(['marketing', ...fromRules])];
}
