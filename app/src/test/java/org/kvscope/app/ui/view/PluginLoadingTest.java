package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.ComboBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.PluginJars;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.vm.ParameterHistory;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.kv.PolicyPlugins;
import org.kvscope.kv.PolicyRegistry;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The workbench's plugin setting (File ▸ Load policy plugins…): a directory's jars load off the FX
 * thread, the picker then offers the plugin's policy, its controls come from its declared
 * parameters, and a broken jar is named in the summary while the rest loads.
 */
@ExtendWith(ApplicationExtension.class)
class PluginLoadingTest {
    @TempDir
    static Path dir;
    private PolicyViewModel vm;
    private UiThreads threads;
    private PolicyPane pane;

    @Start
    void start(Stage stage) {
        threads = UiThreads.standard(Duration.ofMillis(150));
        vm = new PolicyViewModel("A", new Workbench(), threads, "snapkv", new ParameterHistory());
        pane = new PolicyPane(vm, () -> 512);
        stage.setScene(new Scene(pane, 420, 760));
        stage.show();
    }

    @AfterEach
    void stop() {
        threads.shutdown();
    }

    @Test
    void aLoadedPluginsPolicyIsOfferedWithControlsFromItsParameters(FxRobot robot) throws Exception {
        // the example plugin's source under another name and package (the example itself is PluginsTest's)
        Path example = Path.of("..", "examples", "policy-plugin", "src", "main", "java", "org", "example", "kvplugin",
                "WindowMaxPolicy.java");
        String source = Files.readString(example).replace("package org.example.kvplugin;", "package org.example.uiplugin;")
                .replace("\"window-max\"", "\"window-max-ui\"");
        Path classes = dir.resolve("classes");
        PluginJars.compile(Map.of("org/example/uiplugin/WindowMaxPolicy.java", source), dir.resolve("src"), classes);
        Path plugins = dir.resolve("plugins");
        PluginJars.jar(plugins.resolve("ui-plugin.jar"), classes, "org/example/uiplugin/",
                "org.example.uiplugin.WindowMaxPolicy$Provider\n");
        Files.writeString(plugins.resolve("broken.jar"), "not a zip file");

        PolicyPlugins.Report report = PluginLoading.load(plugins, pane::refreshPolicies).get(30, TimeUnit.SECONDS);
        assertEquals(List.of("window-max-ui"), report.policies());
        String summary = PluginLoading.summary(plugins, report);
        assertTrue(summary.startsWith("Loaded from " + plugins + ": window-max-ui."), summary);
        assertTrue(summary.contains("\nSkipped: plugin broken.jar"), summary);

        @SuppressWarnings("unchecked")
        ComboBox<PolicyRegistry.Entry> picker = robot.lookup("#policy-picker-A").queryAs(ComboBox.class);
        assertTrue(picker.getItems().contains(PolicyRegistry.entry("window-max-ui")), "the picker offers the plugin");
        assertEquals("snapkv", picker.getValue().name(), "the policy shown stays");
        robot.interact(() -> picker.getSelectionModel().select(PolicyRegistry.entry("window-max-ui")));
        assertEquals("window-max-ui", vm.policyName());
        List<String> shown = WaitForAsyncUtils.asyncFx(() -> pane.controls().shownNames()).get(10, TimeUnit.SECONDS);
        assertTrue(shown.contains("window") && shown.contains("budget"), shown.toString());
        assertEquals(8, vm.values().get("window"), "the declared default");
    }
}
