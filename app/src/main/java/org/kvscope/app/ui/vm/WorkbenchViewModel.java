package org.kvscope.app.ui.vm;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.session.SessionState;
import org.kvscope.app.ui.session.SessionStore;
import org.kvscope.engine.CaptureRun;
import org.kvscope.gguf.GGUFException;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Model;
import org.kvscope.model.UnsupportedModelException;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.prompts.SuiteKind;
import org.kvscope.prompts.Suites;
import org.kvscope.sampling.Sampler;

/**
 * The workbench state behind the window: model, prompt, captured run, the two policies under
 * study (A and B) and generation. All long work runs on {@link UiThreads}; failures become a
 * {@link Problem} and leave the user's work in place.
 */
public final class WorkbenchViewModel {
    /** The longest prompt the workbench tokenises, in characters (a session's limit too); checked before tokenising. */
    public static final int MAX_PROMPT_CHARS = SessionStore.MAX_PROMPT_CHARS;
    private static final String NOT_TOKENISED = "Prompt not tokenised: ";
    private final Workbench workbench;
    /** How long {@link #shutdown()} lets background jobs finish before the model's file is closed. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    private final UiThreads threads;
    private final RecentModels recentStore;
    private final DeviceProbe devices;
    private final ObjectProperty<Model> model = new SimpleObjectProperty<>();
    private final BooleanProperty loading = new SimpleBooleanProperty();
    private final BooleanProperty running = new SimpleBooleanProperty();
    private final BooleanProperty generating = new SimpleBooleanProperty();
    private final StringProperty status = new SimpleStringProperty("Open a GGUF model to begin.");
    private final StringProperty prompt = new SimpleStringProperty("");
    private final ObjectProperty<List<TokenPiece>> promptPieces = new SimpleObjectProperty<>(List.of());
    private final ObjectProperty<CaptureRun> capture = new SimpleObjectProperty<>();
    private final ObjectProperty<Problem> problem = new SimpleObjectProperty<>();
    private final ObjectProperty<SuiteDescriptor> needleSuite = new SimpleObjectProperty<>();
    private final StringProperty device = new SimpleStringProperty("CPU");
    private final StringProperty notice = new SimpleStringProperty("");
    private final ObjectProperty<KvCacheType> cacheType = new SimpleObjectProperty<>(KvCacheType.F32);
    /** The cache type the current capture ran with (its analyses count memory in it). */
    private KvCacheType captureCacheType = KvCacheType.F32;
    private final ObservableList<Path> recent = FXCollections.observableArrayList();
    private final ObservableList<Workbench.StreamedToken> generated = FXCollections.observableArrayList();
    private final PolicyViewModel policyA;
    private final PolicyViewModel policyB;
    private volatile AtomicBoolean loadCancel = new AtomicBoolean();
    private volatile AtomicBoolean generateCancel = new AtomicBoolean();
    private volatile AtomicBoolean runCancel = new AtomicBoolean();
    private volatile AtomicBoolean warmUpCancel = new AtomicBoolean();
    private volatile AtomicBoolean sessionCancel = new AtomicBoolean(true);
    private final AtomicLong tokenizeGeneration = new AtomicLong();
    private final TaskProgress task = new TaskProgress();
    private final ParameterHistory history = new ParameterHistory();
    private final ViewSettings viewSettings = new ViewSettings();
    private final BooleanProperty warmingUp = new SimpleBooleanProperty();
    private Future<?> pendingTokenize;
    private boolean warmUpEnabled = true;
    private boolean runAfterLoad;

    public WorkbenchViewModel(Workbench workbench, UiThreads threads, RecentModels recentStore, DeviceProbe devices) {
        this.workbench = workbench;
        this.threads = threads;
        this.recentStore = recentStore;
        this.devices = devices;
        this.policyA = new PolicyViewModel("A", workbench, threads, "snapkv", history);
        this.policyB = new PolicyViewModel("B", workbench, threads, "streamingllm", history);
        recent.setAll(recentStore.existing());
        prompt.addListener((o, a, b) -> retokenizeLater());
        needleSuite.addListener((o, a, b) -> refreshContexts());
        device.addListener((o, a, b) -> {
            String conflict = Workbench.deviceConflict(b, cacheType.get());
            if (conflict != null) {
                device.set(a);
                refuse("Device " + b + " not applied: " + conflict + ".");
            } else {
                workbench.useDevice(b);
                notice.set("");
            }
        });
        cacheType.addListener((o, a, b) -> {
            String conflict = Workbench.deviceConflict(device.get(), b);
            if (b == null) {
                cacheType.set(a);
            } else if (conflict != null) {
                cacheType.set(a);
                refuse("KV cache " + b.cliName() + " not applied: " + conflict + ".");
            } else {
                workbench.useCacheType(b);
                notice.set("");
            }
        });
        workbench.useCacheType(cacheType.get());
    }

    /** The engine calls, on the device and KV cache type chosen here. */
    public Workbench workbench() { return workbench; }
    public ObjectProperty<Model> modelProperty() { return model; }
    public Model model() { return model.get(); }
    public BooleanProperty loadingProperty() { return loading; }
    public BooleanProperty runningProperty() { return running; }
    public BooleanProperty generatingProperty() { return generating; }
    public StringProperty statusProperty() { return status; }
    public StringProperty promptProperty() { return prompt; }
    public ObjectProperty<List<TokenPiece>> promptPiecesProperty() { return promptPieces; }
    public ObjectProperty<CaptureRun> captureProperty() { return capture; }
    public CaptureRun capture() { return capture.get(); }
    public ObjectProperty<Problem> problemProperty() { return problem; }
    public ObjectProperty<SuiteDescriptor> needleSuiteProperty() { return needleSuite; }

    /**
     * The device of later model work, "CPU" or "GPU". A choice that does not go with the KV cache type (the GPU with
     * anything but f32) is refused: the property returns to its value and {@link #noticeProperty()} says why.
     */
    public StringProperty deviceProperty() { return device; }

    /** The last refused choice, in one line naming why and what is valid (shown by the status bar); "" when none. */
    public StringProperty noticeProperty() { return notice; }

    private void refuse(String why) {
        notice.set(why);
        status.set(why);
    }

    /**
     * How Run, the re-runs and Generate store keys and values (f32, f16, q8_0, q4_0); never null. A type the chosen
     * device cannot run is refused like a device choice ({@link #deviceProperty()}).
     */
    public ObjectProperty<KvCacheType> cacheTypeProperty() { return cacheType; }

    /**
     * The user's choice of KV cache type: later runs use it, and a captured prompt is run again with it (its
     * analyses and re-runs follow the new capture).
     */
    public void chooseCacheType(KvCacheType type) {
        if (type == null || type == cacheType.get()) {
            return;
        }
        cacheType.set(type);
        if (cacheType.get() == type && model.get() != null && capture.get() != null) {
            runPrompt();
        }
    }
    public ObservableList<Path> recent() { return recent; }
    public ObservableList<Workbench.StreamedToken> generated() { return generated; }
    public PolicyViewModel policyA() { return policyA; }
    public PolicyViewModel policyB() { return policyB; }
    public List<PolicyViewModel> policies() { return List.of(policyA, policyB); }
    public DeviceProbe devices() { return devices; }
    /** Undo/redo of policy and parameter changes in both panes (Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y). */
    public ParameterHistory history() { return history; }

    /** The analysis views' settings a session saves (the views register them). */
    public ViewSettings viewSettings() { return viewSettings; }

    /** Reverts the newest policy or parameter change; false when there is none. */
    public boolean undo() { return history.undo(); }

    /** Re-applies the newest undone change; false when there is none. */
    public boolean redo() { return history.redo(); }

    /** The long task in progress (load, Run, Generate), with its progress and Cancel. */
    public TaskProgress task() { return task; }
    /** True while the engine warms up in the background after a load. */
    public BooleanProperty warmingUpProperty() { return warmingUp; }

    /** Whether a load is followed by a background warm-up of the engine (default true). */
    public void setWarmUpEnabled(boolean enabled) { this.warmUpEnabled = enabled; }

    /** Needle suites whose longest case fits the loaded model's context, shortest first. */
    public List<SuiteDescriptor> needleSuites() {
        Model m = model.get();
        int context = m == null ? Integer.MAX_VALUE : m.config().contextLength();
        return Suites.all().stream()
                .filter(s -> s.kind() == SuiteKind.NEEDLE)
                .filter(s -> s.contextLengths().stream().mapToInt(Integer::intValue).max().orElse(0) + 8 <= context)
                .sorted(Comparator.comparingInt(s -> s.contextLengths().stream().mapToInt(Integer::intValue).max().orElse(0)))
                .toList();
    }

    /** Prompt suites (perplexity and teaching) offered in the prompt picker, as (label, text). */
    public List<Map.Entry<String, String>> samplePrompts() {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (SuiteDescriptor s : Suites.all()) {
            if (s.kind() == SuiteKind.TEACHING) {
                s.prompts().forEach(p -> out.add(Map.entry(s.title() + " — " + p.description(), p.text())));
            } else if (s.kind() == SuiteKind.PERPLEXITY) {
                org.kvscope.prompts.PerplexityText.load(s)
                        .forEach(t -> out.add(Map.entry(s.title() + " — " + t.id(), t.text())));
            }
        }
        return out;
    }

    /** Loads a model in the background; on success it replaces the current one. */
    public void openModel(Path path) {
        AtomicBoolean cancel = new AtomicBoolean();
        loadCancel.set(true);
        loadCancel = cancel;
        loading.set(true);
        status.set("Loading " + path.getFileName() + "…");
        task.start("Loading " + path.getFileName(), TaskProgress.UNKNOWN, this::cancelLoad);
        warmUpCancel.set(true);
        threads.worker().execute(() -> {
            try {
                Model m = workbench.load(path);
                if (cancel.get()) {
                    m.close();
                    threads.fx().execute(() -> finishLoad("Loading cancelled."));
                    return;
                }
                List<Path> rec = rememberRecent(path);
                threads.fx().execute(() -> {
                    Model old = model.get();
                    capture.set(null);
                    model.set(m);
                    if (rec != null) {
                        recent.setAll(rec);
                    }
                    List<SuiteDescriptor> suites = needleSuites();
                    needleSuite.set(suites.isEmpty() ? null : suites.get(0));
                    retokenizeLater();
                    refreshContexts();
                    finishLoad("Loaded " + m.info().name() + ". Press Run to capture attention.");
                    if (old != null) {
                        // after any re-run still using it (the evaluation thread runs one job at a time)
                        threads.evaluation().execute(old::close);
                    }
                    if (runAfterLoad) {
                        runAfterLoad = false;
                        runPrompt();
                    } else if (warmUpEnabled) {
                        warmUp(m);
                    }
                });
            } catch (GGUFException e) {
                fail("Not a usable GGUF file", path + ":\n" + e.getMessage());
            } catch (UnsupportedModelException e) {
                fail("Unsupported model", path + ":\n" + e.getMessage());
            } catch (IOException | RuntimeException e) {
                fail("Cannot open model", path + ":\n" + e.getMessage());
            }
        });
    }

    private List<Path> rememberRecent(Path path) {
        try {
            recentStore.add(path);
            return recentStore.existing();
        } catch (IOException e) {
            return null;
        }
    }

    private void finishLoad(String message) {
        loading.set(false);
        task.finish();
        status.set(message);
    }

    /** Compiles the engine's hot code in the background; the next Run, load or shutdown cancels it. */
    private void warmUp(Model m) {
        AtomicBoolean cancel = new AtomicBoolean();
        warmUpCancel = cancel;
        warmingUp.set(true);
        threads.worker().execute(() -> {
            EngineWarmUp.run(workbench, m, cancel::get);
            threads.fx().execute(() -> {
                if (warmUpCancel == cancel) {
                    warmingUp.set(false);
                }
            });
        });
    }

    private void fail(String title, String message) {
        threads.fx().execute(() -> {
            runAfterLoad = false;
            loading.set(false);
            running.set(false);
            generating.set(false);
            task.finish();
            status.set(title);
            problem.set(new Problem(title, message));
        });
    }

    /** Stops a model load in progress; the file is closed as soon as the loader returns. */
    public void cancelLoad() {
        loadCancel.set(true);
        runAfterLoad = false;
        loading.set(false);
        task.finish();
        status.set("Loading cancelled.");
    }

    /**
     * Tokenises the prompt on the typing thread once typing pauses ({@link UiThreads#typingDebounce});
     * each keystroke cancels the pending job, and a result older than the latest request is dropped.
     */
    private void retokenizeLater() {
        long generation = tokenizeGeneration.incrementAndGet();
        Model m = model.get();
        String text = prompt.get() == null ? "" : prompt.get();
        if (pendingTokenize != null) {
            pendingTokenize.cancel(false);
        }
        String tooLong = promptTooLong(text);
        if (tooLong != null) {
            promptPieces.set(List.of());
            status.set(NOT_TOKENISED + tooLong + ".");
            return;
        }
        if (status.get() != null && status.get().startsWith(NOT_TOKENISED)) {
            status.set("");
        }
        pendingTokenize = threads.afterTyping(() -> {
            if (generation != tokenizeGeneration.get()) {
                return;
            }
            List<TokenPiece> pieces = m == null ? List.of() : pieces(m, text);
            threads.fx().execute(() -> {
                if (generation == tokenizeGeneration.get()) {
                    promptPieces.set(pieces);
                }
            });
        });
    }

    /** Why {@code text} is too long to tokenise ({@link #MAX_PROMPT_CHARS}), or null when it is not. */
    private static String promptTooLong(String text) {
        return text.length() <= MAX_PROMPT_CHARS ? null : "the prompt has " + text.length()
                + " characters; at most " + MAX_PROMPT_CHARS + " are allowed";
    }

    private static List<TokenPiece> pieces(Model m, String text) {
        int[] ids = m.tokenizer().encodeWithSpecials(text);
        List<TokenPiece> pieces = new ArrayList<>(ids.length);
        for (int id : ids) {
            pieces.add(new TokenPiece(id, m.tokenizer().tokenText(id)));
        }
        return List.copyOf(pieces);
    }

    /** Captures attention of a FullKV run over the prompt; every policy view then updates from it. */
    public void runPrompt() {
        Model m = model.get();
        if (m == null) {
            problem.set(new Problem("No model", "Open a GGUF model before running a prompt."));
            return;
        }
        String text = prompt.get() == null ? "" : prompt.get();
        if (promptTooLong(text) != null) {
            problem.set(new Problem("Prompt cannot run", promptTooLong(text) + "."));
            return;
        }
        AtomicBoolean cancel = new AtomicBoolean();
        runCancel = cancel;
        warmUpCancel.set(true);
        running.set(true);
        KvCacheType type = cacheType.get();
        task.start("Run", TaskProgress.UNKNOWN, this::cancelRun);
        status.set("Running the prompt with attention capture…");
        threads.worker().execute(() -> {
            int[] tokens;
            try {
                tokens = workbench.tokenize(m, text);
            } catch (IllegalArgumentException e) {
                threads.fx().execute(() -> {
                    if (runCancel == cancel) {
                        running.set(false);
                        task.finish();
                        status.set("Prompt cannot run");
                        problem.set(new Problem("Prompt cannot run", e.getMessage()));
                    }
                });
                return;
            }
            try {
                long t0 = System.nanoTime();
                CaptureRun run = workbench.capture(m, tokens, p -> threads.fx().execute(() -> {
                    if (runCancel == cancel && !cancel.get()) {
                        task.progress(p);
                    }
                }), cancel::get);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                threads.fx().execute(() -> {
                    if (cancel.get() || runCancel != cancel || model.get() != m) {
                        return;
                    }
                    captureCacheType = type;
                    capture.set(run);
                    running.set(false);
                    task.finish();
                    refreshContexts();
                    long cacheBytes = (long) tokens.length * m.config().layers()
                            * m.config().kvBytesPerTokenPerLayer(type::vectorBytes);
                    status.set("Captured " + tokens.length + " prompt tokens in " + ms + " ms (KV cache "
                            + type.cliName() + ", " + ModelFacts.bytes(cacheBytes) + "); greedy continuation: "
                            + m.tokenizer().decode(run.generated()).strip());
                });
            } catch (CancellationException e) {
                // cancelRun already put the window back
            } catch (RuntimeException e) {
                fail("Run failed", e.getMessage());
            }
        });
    }

    /** Abandons the Run in progress: the capture stops at its next chunk and its result is dropped. */
    public void cancelRun() {
        if (!running.get()) {
            return;
        }
        runCancel.set(true);
        running.set(false);
        task.finish();
        status.set("Run cancelled.");
    }

    private void refreshContexts() {
        Model m = model.get();
        CaptureRun run = capture.get();
        RunContext ctx = m == null || run == null ? null : new RunContext(m, run, needleSuite.get(), captureCacheType);
        int layers = m == null ? 0 : m.config().layers();
        policyA.setContext(ctx, layers);
        policyB.setContext(ctx, layers);
    }

    /**
     * Generates {@code n} tokens with policy A active, streaming them into {@link #generated()}; the prompt is
     * tokenised and checked against the context on the worker thread (a prompt that does not fit becomes a
     * {@link Problem}).
     */
    public void generate(int n) {
        Model m = model.get();
        if (m == null) {
            problem.set(new Problem("No model", "Open a GGUF model before generating."));
            return;
        }
        String text = prompt.get() == null ? "" : prompt.get();
        if (promptTooLong(text) != null) {
            problem.set(new Problem("Cannot generate", promptTooLong(text) + "."));
            return;
        }
        CompressionPolicy policy;
        try {
            policy = policyA.createPolicy();
        } catch (IllegalArgumentException | IllegalStateException e) { // a plugin's constructor threw: named
            problem.set(new Problem("Cannot generate", e.getMessage()));
            return;
        }
        AtomicBoolean cancel = new AtomicBoolean();
        generateCancel = cancel;
        generated.clear();
        generating.set(true);
        warmUpCancel.set(true);
        task.start("Generate", 0, this::stop);
        status.set("Generating with " + policy.name() + " (KV cache " + cacheType.get().cliName() + ")…");
        Consumer<Workbench.StreamedToken> sink = t -> threads.fx().execute(() -> {
            generated.add(t);
            task.progress(generated.size() / (double) n);
        });
        threads.worker().execute(() -> {
            int[] tokens;
            try {
                tokens = workbench.tokenize(m, text);
                if (tokens.length + n >= m.config().contextLength()) {
                    throw new IllegalArgumentException("prompt (" + tokens.length + " tokens) + " + n
                            + " new tokens exceeds the model's context of " + m.config().contextLength() + " tokens");
                }
            } catch (IllegalArgumentException e) {
                threads.fx().execute(() -> {
                    generating.set(false);
                    task.finish();
                    status.set("Cannot generate");
                    problem.set(new Problem("Cannot generate", e.getMessage()));
                });
                return;
            }
            try {
                var result = workbench.generate(m, tokens, policy, n,
                        Sampler.greedy(), sink, cancel::get);
                threads.fx().execute(() -> {
                    generating.set(false);
                    task.finish();
                    status.set(String.format("Generated %d tokens (%s), %.0f tokens/s", result.generated().length,
                            result.stopReason().toString().toLowerCase().replace('_', ' '),
                            result.decodeTokensPerSecond()));
                });
            } catch (RuntimeException e) {
                fail("Generation failed", e.getMessage());
            }
        });
    }

    /** Stops generation after the current token. */
    public void stop() {
        generateCancel.set(true);
    }

    /** The session as it stands: model, prompt, both policies with their latest results. */
    public SessionState snapshot() {
        return SessionSnapshots.of(model.get(), prompt.get(), policies(), viewSettings, cacheType.get());
    }

    /** Writes the session atomically; a failure becomes a {@link Problem}. */
    public boolean saveSession(Path file) {
        try {
            SessionStore.save(snapshot(), file);
            status.set("Saved session to " + file);
            return true;
        } catch (IOException | RuntimeException e) {
            problem.set(new Problem("Cannot save session", e.getMessage()));
            return false;
        }
    }

    /**
     * Restores prompt and policies from a session file, then loads its model (if it differs from
     * the current one) and re-runs the prompt. The whole file is read and checked first, off the FX thread and
     * cancellable like a load (the selected layer and head against the session's model when it is loaded or its
     * file's GGUF header can be read): when any part is bad, one {@link Problem} names the field and nothing
     * changes. A session whose model file is missing restores the rest, keeps the loaded model and says so. A session
     * whose KV cache type the GPU cannot run switches the device to the CPU and says so.
     *
     * @return completes on the FX thread: true once the session is applied, false when it was refused or cancelled
     */
    public CompletableFuture<Boolean> openSession(Path file) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        AtomicBoolean cancel = new AtomicBoolean();
        sessionCancel.set(true);
        sessionCancel = cancel;
        Model loaded = model.get();
        task.start("Opening session " + file.getFileName(), TaskProgress.UNKNOWN, this::cancelSessionOpen);
        status.set("Checking session " + file.getFileName() + "…");
        threads.worker().execute(() -> {
            SessionSnapshots.Checked checked = null;
            String error = null;
            try {
                SessionState state = SessionStore.load(file);
                checked = SessionSnapshots.check(state, viewSettings, limitsOf(loaded, state.modelPath()));
            } catch (IOException | RuntimeException e) {
                error = e.getMessage();
            }
            SessionSnapshots.Checked s = checked;
            String why = error;
            threads.fx().execute(() -> {
                if (cancel.getAndSet(true)) {
                    done.complete(false);
                    return;
                }
                task.finish();
                if (s == null) {
                    status.set("Cannot open session " + file.getFileName());
                    problem.set(new Problem("Cannot open session", why + "\nNothing was changed."));
                    done.complete(false);
                } else {
                    applySession(file, s);
                    done.complete(true);
                }
            });
        });
        return done;
    }

    /** Stops opening a session while its file is read and checked; nothing of it is applied. */
    public void cancelSessionOpen() {
        if (!sessionCancel.get()) {
            sessionCancel.set(true);
            task.finish();
            status.set("Opening the session cancelled.");
        }
    }

    private void applySession(Path file, SessionSnapshots.Checked s) {
        List<PolicyViewModel> ps = policies();
        for (int i = 0; i < s.policies().size(); i++) {
            ps.get(i).restore(s.policies().get(i).name(), s.policies().get(i).values());
        }
        history.clear();
        String onCpu = "";
        String gpuConflict = Workbench.deviceConflict(device.get(), s.cacheType());
        if (gpuConflict != null) {
            device.set("CPU");
            onCpu = " on the CPU (" + gpuConflict + ")";
        }
        cacheType.set(s.cacheType());
        if (gpuConflict != null) {
            notice.set("Device set to the CPU for the session's KV cache " + s.cacheType().cliName() + ": "
                    + gpuConflict + ".");
        }
        prompt.set(s.prompt());
        s.views().applyNow();
        Model m = model.get();
        Path wanted = s.modelPath();
        boolean sameModel = wanted == null || m != null && sameFile(m.info().path(), wanted);
        if (!sameModel && !java.nio.file.Files.isRegularFile(wanted)) {
            status.set("Opened session " + file.getFileName() + " without its model (not found: " + wanted + ")" + onCpu);
            problem.set(new Problem("Session model not found", "modelPath: " + wanted + " does not exist.\n"
                    + "The prompt and the policies were restored" + (m == null ? "" : "; " + m.info().name()
                    + " stays loaded") + ". Open the model, then press Run."));
            return;
        }
        if (m != null || !sameModel) {
            applyAfterNextCapture(s.views());
        }
        if (!sameModel) {
            runAfterLoad = true;
            openModel(wanted);
            status.set("Opened session " + file.getFileName() + onCpu + "; loading " + wanted.getFileName() + "…");
            return;
        }
        if (m != null) {
            runPrompt();
        }
        status.set("Opened session " + file.getFileName() + onCpu);
    }

    /**
     * The layer and head counts of the model a session names (the loaded one when it is the same; else its file's
     * GGUF header, so not on the FX thread), or null.
     */
    private static ViewSettings.ModelLimits limitsOf(Model loaded, String sessionModel) {
        if (sessionModel == null || loaded != null && sameFile(loaded.info().path(), Path.of(sessionModel))) {
            return loaded == null ? null : SessionSnapshots.limits(loaded);
        }
        return SessionSnapshots.limits(Path.of(sessionModel));
    }

    private static boolean sameFile(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** Settings that a capture resets (the focused token) follow the session's re-run. */
    private void applyAfterNextCapture(ViewSettings.Checked views) {
        if (views.afterRun().isEmpty()) {
            return;
        }
        capture.addListener(new javafx.beans.value.ChangeListener<>() {
            @Override
            public void changed(javafx.beans.value.ObservableValue<? extends CaptureRun> o, CaptureRun a, CaptureRun b) {
                if (b != null) {
                    capture.removeListener(this);
                    views.applyAfterRun();
                }
            }
        });
    }

    /** Cancels background work and closes the model. */
    public void shutdown() {
        policies().forEach(PolicyViewModel::cancelEvaluation);
        generateCancel.set(true);
        loadCancel.set(true);
        runCancel.set(true);
        warmUpCancel.set(true);
        sessionCancel.set(true);
        if (pendingTokenize != null) {
            pendingTokenize.cancel(false);
        }
        threads.shutdown();
        Model m = model.get();
        if (m != null) {
            closeAfterBackgroundWork(m);
        }
    }

    /**
     * Closes {@code m} once the background jobs that may still be reading it have stopped, on a
     * thread of its own: a native kernel holds the model's mapped file while it runs, and closing
     * the file under it fails ("Session is acquired by 1 clients"). The workbench's threads are
     * awaited; a view's job on another pool may still be inside a kernel, so a refused close is
     * tried again every few milliseconds. Whatever still runs after the limit leaves the file to
     * the process's exit.
     */
    private void closeAfterBackgroundWork(Model m) {
        Thread.ofPlatform().daemon().name("kvscope-close-model").start(() -> {
            long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
            threads.awaitStopped(CLOSE_WAIT);
            while (true) {
                try {
                    m.close();
                    return;
                } catch (IllegalStateException stillInUse) {
                    if (System.nanoTime() > deadline) {
                        return;
                    }
                    LockSupport.parkNanos(5_000_000L);
                }
            }
        });
    }
}
