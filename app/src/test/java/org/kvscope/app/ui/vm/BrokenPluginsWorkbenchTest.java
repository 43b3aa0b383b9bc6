package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kvscope.app.PluginJars;
import org.kvscope.kv.PolicyPlugins;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Broken plugin policies in the workbench: choosing one in pane A shows one message naming the
 * policy and its jar (in A's pane, A's background re-run and the agreement view) and throws
 * nothing; pane B keeps its analysis, and A works again with a built-in policy.
 */
@ExtendWith(ApplicationExtension.class)
class BrokenPluginsWorkbenchTest {
    private static final String PROMPT = "the dog saw the cat and the cat saw the dog and they ran to the park to play "
            .repeat(3);
    private static Path dir;
    private static Path model;
    private WorkbenchViewModel vm;
    private ScoreAgreementViewModel agreement;
    private EvictionTimelineViewModel timeline;
    private List<Problem> problems;

    @BeforeAll
    static void plugins() throws Exception {
        dir = Files.createTempDirectory("kvscope-broken-ui");
        model = Fixtures.tinyModel(dir);
        Map<String, String> broken = new LinkedHashMap<>();
        broken.put("ctor", policy("ctor", "ui-ctor-throws", "throw new RuntimeException(\"boom in constructor\");",
                "all(n)"));
        broken.put("range", policy("range", "ui-out-of-range", "", "new int[] {0, n + 5}"));
        broken.put("budget", policy("budget", "ui-over-budget", "", "all(n)"));
        broken.put("thrower", policy("thrower", "ui-select-throws", "", "scores(null)"));
        broken.put("gone", policy("gone", "ui-missing-class", "", PluginJars.GONE));
        Path jars = dir.resolve("plugins");
        PluginJars.brokenJars(broken, dir.resolve("build"), jars);
        PolicyPlugins.Report report = PolicyPlugins.load(jars);
        assertEquals(List.of(), report.problems());
        assertEquals(List.of("ui-over-budget", "ui-ctor-throws", "ui-missing-class", "ui-out-of-range",
                "ui-select-throws"), report.policies());
    }

    /** The broken policies leave the registry: tests after this one that run every registered policy must not meet them. */
    @org.junit.jupiter.api.AfterAll
    static void forgetThePlugins() {
        List.of("ui-over-budget", "ui-ctor-throws", "ui-missing-class", "ui-out-of-range", "ui-select-throws")
                .forEach(org.kvscope.kv.PolicyRegistry::unregister);
    }

    private static String policy(String id, String name, String ctor, String kept) {
        return PluginJars.brokenPolicy(id, name, ctor, kept, "return null;");
    }

    @Start
    void start(Stage stage) {
        // the toolkit only
    }

    @BeforeEach
    void run() throws Exception {
        vm = Fixtures.snapkvAndH2oCaptured(model, dir, PROMPT);
        agreement = fx(() -> new ScoreAgreementViewModel(vm));
        timeline = fx(() -> new EvictionTimelineViewModel(vm));
        problems = Fixtures.problems(vm);
    }

    @AfterEach
    void stop() {
        vm.shutdown();
    }

    private static <T> T fx(Callable<T> onFx) throws Exception {
        return Fixtures.fx(onFx);
    }

    @ParameterizedTest
    @CsvSource({
            "ui-ctor-throws,   ctor.jar,    failed in its constructor: RuntimeException: boom in constructor",
            "ui-out-of-range,  range.jar,   outside 0..",
            "ui-over-budget,   budget.jar,  more than its budget",
            "ui-select-throws, thrower.jar, failed in selectAfterPrefill: NullPointerException",
            "ui-missing-class, gone.jar,    failed in selectAfterPrefill: ClassNotFoundException: org.gone.Gone"})
    void aBrokenPluginIsNamedAndTheRestKeepsWorking(String policy, String jar, String what) throws Exception {
        String named = "policy '" + policy + "' (plugin " + jar + ")";
        fx(() -> {
            vm.policyA().select(policy);
            return null;
        });
        String error = fx(() -> vm.policyA().errorProperty().get());
        assertTrue(error != null && error.contains(named) && error.contains(what), "pane A shows: " + error);
        assertEquals(1, error.lines().count(), error);

        boolean constructs = !policy.equals("ui-ctor-throws");
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> vm.policyA().evaluationStatusProperty().get())
                .startsWith(constructs ? "re-run failed" : "re-run cancelled"));
        String status = fx(() -> vm.policyA().evaluationStatusProperty().get());
        assertTrue(!constructs || status.contains(named), "A's re-run: " + status);

        String problem = fx(() -> agreement.problemProperty().get());
        assertTrue(problem.startsWith("Policy A"), "the agreement view says what is wrong with A: " + problem);
        if (policy.equals("ui-ctor-throws")) {
            assertTrue(problem.contains(named), problem);
        }

        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> !fx(() -> timeline.runningProperty().get()));
        String recorded = fx(() -> timeline.messageProperty().get());
        assertTrue(recorded.isEmpty() || recorded.contains(named), "the eviction timeline: " + recorded);

        fx(() -> {
            vm.generate(2);
            return null;
        });
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> !problems.isEmpty());
        assertTrue(problems.getFirst().message().contains(named), "Generate with A: " + problems);

        assertNull(fx(() -> vm.policyB().errorProperty().get()), "B is unaffected");
        assertNotNull(fx(() -> vm.policyB().analysis()));

        fx(() -> {
            vm.policyA().select("snapkv");
            return null;
        });
        assertNull(fx(() -> vm.policyA().errorProperty().get()), "A works again with a built-in");
        assertEquals("snapkv", fx(() -> vm.policyA().analysis()).policy());
    }
}
