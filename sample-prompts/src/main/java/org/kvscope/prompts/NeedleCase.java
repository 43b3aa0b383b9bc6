package org.kvscope.prompts;

/**
 * One generated needle prompt.
 *
 * @param suiteId            the suite it belongs to ({@link NeedleGenerator#ADHOC} when built directly)
 * @param templateId         the planted {@link NeedleTemplate}
 * @param targetTokens       the requested prompt length in tokens
 * @param depth              where the needle sits in the haystack, 0..1
 * @param prompt             haystack with the needle, then the question; the model should continue with {@code answer}
 * @param answer             the expected continuation, with its leading space
 * @param needleCharOffset   index of the needle setup in {@code prompt}
 * @param questionCharOffset index of the question in {@code prompt} (the question runs to the end)
 */
public record NeedleCase(String suiteId, String templateId, int targetTokens, double depth, String prompt,
                         String answer, int needleCharOffset, int questionCharOffset) {
}
