package org.kvscope.prompts;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a suite measures; the JSON value is the lower-case name. */
public enum SuiteKind {
    /** Recall of a planted fact ("needle in a haystack") across lengths and depths. */
    @JsonProperty("needle") NEEDLE,
    /** Perplexity of a continuation given a context. */
    @JsonProperty("perplexity") PERPLEXITY,
    /** Hand-made prompts on which attention patterns are easy to see. */
    @JsonProperty("teaching") TEACHING
}
