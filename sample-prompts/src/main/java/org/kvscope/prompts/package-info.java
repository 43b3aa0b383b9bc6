/**
 * Original sample texts and evaluation suites for kvscope.
 *
 * <p>Resources live under {@code org/kvscope/prompts/}: {@code haystack/} (stories and essays plus
 * one-sentence-per-line filler), {@code perplexity/}, {@code teaching/}, {@code needles/templates.json}
 * and {@code suites/*.json}. {@link org.kvscope.prompts.Suites} reads the suite descriptors,
 * {@link org.kvscope.prompts.NeedleGenerator} turns needle suites into prompts sized with the model's
 * own token counter, and {@link org.kvscope.prompts.PerplexityText} loads perplexity texts. Story suites
 * target the tiny stories260K model, which only recalls facts about 100 tokens back, so always compare
 * them with a FullKV baseline.
 */
package org.kvscope.prompts;
