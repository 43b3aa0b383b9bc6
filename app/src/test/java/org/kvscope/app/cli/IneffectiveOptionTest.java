package org.kvscope.app.cli;

import static org.kvscope.app.cli.CliTest.assertCleanError;
import static org.kvscope.app.cli.CliTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An option given where it changes nothing is a usage error naming where it applies, found before
 * the model is read (the model given is not even GGUF, so any later check would say that instead).
 */
class IneffectiveOptionTest {
    @TempDir
    static Path dir;
    static String notAModel;
    static final String PROMPT = "the dog saw the cat and the cat saw the dog ";

    @BeforeAll
    static void write() throws Exception {
        notAModel = Files.writeString(dir.resolve("not-a-model.gguf"), "no model here").toString();
    }

    private static CliTest.Run analyze(String... extra) {
        return run(DeviceOptionTest.with(new String[] {"analyze", "--model", notAModel, "--prompt", PROMPT}, extra));
    }

    @Test
    void aScheduleParameterNeedsItsSchedule() {
        assertCleanError(analyze("--policy", "snapkv", "--beta", "5"), 2,
                "--beta applies only with --schedule pyramid, and --schedule is uniform (snapkv's default)");
        assertCleanError(analyze("--policy", "pyramidkv", "--schedule", "cosine", "--exponent", "2"), 2,
                "--exponent applies only with --schedule power-law, and --schedule is cosine:");
        assertCleanError(analyze("--policy", "h2o", "--layer-weights", "1,2"), 2, "--layer-weights applies only with"
                + " --schedule custom");
        assertCleanError(run("needle", "--model", notAModel, "--suite", "needle-stories-short", "--policy", "pyramidkv",
                "--min-ratio", "0.5"), 2, "--min-ratio applies only with --schedule cosine, and --schedule is pyramid");
        // where it applies, the run goes on to read the model
        assertCleanError(analyze("--policy", "snapkv", "--schedule", "pyramid", "--beta", "5"), 1, "not a GGUF file");
        assertCleanError(analyze("--policy", "pyramidkv", "--beta", "5"), 1, "not a GGUF file");
    }

    @Test
    void aBudgetRatioReplacesTheBudget() {
        assertCleanError(analyze("--policy", "h2o", "--budget", "32", "--budget-ratio", "0.5"), 2,
                "--budget-ratio 0.5 replaces --budget");
        assertCleanError(analyze("--policy", "h2o", "--budget", "32", "--budget-ratio", "0"), 1, "not a GGUF file");
    }

    @Test
    void samplingOptionsNeedATemperature() {
        for (String[] option : new String[][] {{"--top-k", "5"}, {"--top-p", "0.5"}, {"--seed", "3"}}) {
            assertCleanError(run("generate", "--model", notAModel, "--prompt", "the dog", option[0], option[1]), 2,
                    option[0] + " applies only when sampling (--temperature above 0)");
            assertCleanError(run("generate", "--model", notAModel, "--prompt", "the dog", "--temperature", "0.8",
                    option[0], option[1]), 1, "not a GGUF file");
        }
    }

    @Test
    void aDecodeCapNeedsABudget() {
        assertCleanError(analyze("--policy", "fullkv", "--decode-cap", "budget"), 2,
                "--decode-cap budget applies to policies with a budget, and fullkv has none");
        assertCleanError(run("needle", "--model", notAModel, "--suite", "needle-stories-short", "--decode-cap", "budget"),
                2, "--decode-cap budget applies to policies with a budget, and fullkv has none");
        assertCleanError(run("sweep", "--model", notAModel, "--policies", "fullkv", "--decode-cap", "none,budget"), 2,
                "--decode-cap budget applies to policies with a budget (FullKV is never capped), and none of fullkv has one");
    }

    @Test
    void sweepListsNeedAConfigurationThatUsesThem() {
        assertCleanError(run("sweep", "--model", notAModel, "--policies", "streamingllm,fullkv", "--schedules", "pyramid"),
                2, "--schedules applies to policies with a budget schedule, and none of streamingllm, fullkv has one");
        assertCleanError(run("sweep", "--model", notAModel, "--policies", "fullkv", "--budgets", "16"), 2,
                "--budgets applies to policies with a budget, and none of fullkv has one");
        assertCleanError(run("sweep", "--model", notAModel, "--needle-suite", "none", "--needle-templates", "2"), 2,
                "--needle-templates applies to the needle suite, and --needle-suite is none");
        assertCleanError(run("sweep", "--model", notAModel, "--policies", "streamingllm,snapkv", "--schedules", "pyramid"),
                1, "not a GGUF file");
    }

    /** Duplicates ran every configuration twice; custom cannot run without the layer weights sweep does not take. */
    @Test
    void sweepListsNameEachEntryOnce() {
        assertCleanError(run("sweep", "--model", notAModel, "--policies", "snapkv,h2o,snapkv"), 2,
                "--policies names snapkv twice; give each once");
        assertCleanError(run("sweep", "--model", notAModel, "--budgets", "16,32,16"), 2, "--budgets names 16 twice");
        assertCleanError(run("sweep", "--model", notAModel, "--schedules", "pyramid,"), 2, "--schedules has an empty entry");
        assertCleanError(run("sweep", "--model", notAModel, "--schedules", "uniform,custom"), 2,
                "--schedules custom needs --layer-weights, which sweep does not take");
        assertCleanError(run("score-agreement", "--model", notAModel, "--prompt", PROMPT, "--policies", "snapkv,,h2o"), 2,
                "--policies has an empty entry");
    }

    /** --templates 1000 ran the suite's 14 silently. */
    @Test
    void moreTemplatesThanTheSuiteHasSaysHowManyItHas() {
        assertCleanError(run("needle", "--model", notAModel, "--suite", "needle-stories-short", "--policy", "snapkv",
                "--templates", "15"), 2, "--templates must be in 0..14 (suite needle-stories-short has 14 templates)");
        assertCleanError(run("sweep", "--model", notAModel, "--needle-templates", "15"), 2,
                "--needle-templates must be in 0..14 (suite needle-stories-short has 14 templates)");
        assertCleanError(run("needle", "--model", notAModel, "--suite", "needle-stories-short", "--policy", "snapkv",
                "--templates", "14"), 1, "not a GGUF file");
    }

    @Test
    void needleTemplatesApplyToTheGridOnly() {
        assertCleanError(run("needle", "--model", notAModel, "--suite", "needle-stories-short", "--policy", "snapkv",
                "--questions", "2", "--templates", "2"), 2, "--templates applies to the grid");
    }
}
