package org.kvscope.app.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.MultiQuestionReplay;
import org.kvscope.engine.MultiQuestionReplay.Mode;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.prompts.NeedleCase;
import org.kvscope.prompts.NeedleTemplates;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.tokenizer.Tokenizer;

/**
 * Multi-question replay of a needle suite: each replay joins {@code questions} short needle
 * haystacks (the suite's shortest length, each with a different template, depths in turn) into one
 * context, then asks the templates' questions one after another (see {@link MultiQuestionReplay}),
 * under FullKV, query-agnostic and query-aware compression by the same policy.
 */
public final class MultiQuestionRun {
    private MultiQuestionRun() {}

    /** One replay: its context, and per turn the needle it asks about. */
    public record Replay(int index, String context, List<NeedleCase> needles) {}

    /** One turn of one replay under the three modes. */
    public record TurnResult(int replay, int turn, String template, String answer,
                             Map<Mode, MultiQuestionReplay.Answer> answers) {}

    /** Accuracy per turn (index 0 = first question) for each mode, and every turn's result. */
    public record Result(int questions, List<TurnResult> turns) {
        public double[] accuracyByTurn(Mode mode) {
            double[] acc = new double[questions];
            int[] n = new int[questions];
            for (TurnResult t : turns) {
                acc[t.turn()] += t.answers().get(mode).success() ? 1 : 0;
                n[t.turn()]++;
            }
            for (int i = 0; i < questions; i++) {
                acc[i] = n[i] == 0 ? Double.NaN : acc[i] / n[i];
            }
            return acc;
        }

        public double accuracy(Mode mode) {
            return turns.isEmpty() ? Double.NaN
                    : turns.stream().filter(t -> t.answers().get(mode).success()).count() / (double) turns.size();
        }
    }

    /**
     * {@code replays} replays of {@code questions} needles each from a needle suite's cases.
     *
     * @throws IllegalArgumentException when the suite has fewer templates with distinct questions
     */
    public static List<Replay> replays(Model model, SuiteDescriptor suite, int questions, int replays) {
        List<NeedleCase> all = NeedleGridRun.cases(model, suite, 0);
        int shortest = all.stream().mapToInt(NeedleCase::targetTokens).min().orElseThrow();
        List<String> templates = questionTemplates(suite);
        if (templates.size() < questions) {
            throw new IllegalArgumentException("suite " + suite.id() + " has " + templates.size()
                    + " templates with distinct questions; at most that many questions per replay");
        }
        double[] depths = suite.depths().stream().mapToDouble(Double::doubleValue).toArray();
        List<Replay> out = new ArrayList<>();
        for (int r = 0; r < replays; r++) {
            List<NeedleCase> needles = new ArrayList<>();
            StringBuilder context = new StringBuilder();
            for (int q = 0; q < questions; q++) {
                String template = templates.get((r + q) % templates.size());
                double depth = depths[(r + q) % depths.length];
                NeedleCase c = all.stream().filter(x -> x.templateId().equals(template) && x.targetTokens() == shortest
                        && x.depth() == depth).findFirst().orElseThrow();
                needles.add(c);
                String haystack = c.prompt().substring(0, c.questionCharOffset()).strip();
                context.append(context.isEmpty() ? "" : " ").append(haystack);
            }
            out.add(new Replay(r, context.toString(), needles));
        }
        return out;
    }

    /**
     * The suite's templates whose questions differ, in suite order (the first of each question): the most
     * questions one replay can ask. Read from the suite alone, so a command can check it before any model.
     */
    public static List<String> questionTemplates(SuiteDescriptor suite) {
        List<String> templates = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        for (String id : suite.templates()) {
            String q = NeedleTemplates.byId(id).question().strip(); // as NeedleGenerator ends each prompt
            if (!asked.contains(q)) {
                asked.add(q);
                templates.add(id);
            }
        }
        return List.copyOf(templates);
    }

    private static String question(NeedleCase c) {
        return c.prompt().substring(c.questionCharOffset());
    }

    /** A replay as tokens: the context (with BOS when the model uses one) and each turn's question and answer. */
    record Tokens(int[] context, List<MultiQuestionReplay.Turn> turns) {}

    /**
     * Tokenises the whole conversation at once and cuts it where each piece ends (each question
     * and answer starts with a space, so the pieces' tokens are a prefix of the whole's).
     */
    static Tokens tokens(Tokenizer tok, Replay r) {
        List<String> pieces = new ArrayList<>(List.of(r.context()));
        for (NeedleCase c : r.needles()) {
            pieces.add(" " + question(c).strip());
            pieces.add(c.answer());
        }
        StringBuilder text = new StringBuilder();
        int[] ends = new int[pieces.size()];
        for (int i = 0; i < pieces.size(); i++) {
            text.append(pieces.get(i));
            ends[i] = tok.encodeWithSpecials(text.toString()).length;
        }
        int[] all = tok.encodeWithSpecials(text.toString());
        for (int i = 0; i < pieces.size(); i++) {
            int[] prefix = tok.encodeWithSpecials(text.substring(0, length(pieces, i)));
            if (!Arrays.equals(prefix, Arrays.copyOf(all, prefix.length))) {
                throw new IllegalArgumentException("the tokenizer merges across the seam after '" + pieces.get(i)
                        + "'; this suite cannot be replayed turn by turn");
            }
        }
        List<MultiQuestionReplay.Turn> turns = new ArrayList<>();
        for (int q = 0; q < r.needles().size(); q++) {
            int qs = ends[2 * q], qe = ends[2 * q + 1], ae = ends[2 * q + 2];
            turns.add(new MultiQuestionReplay.Turn(Arrays.copyOfRange(all, qs, qe), Arrays.copyOfRange(all, qe, ae)));
        }
        return new Tokens(Arrays.copyOf(all, ends[0]), turns);
    }

    private static int length(List<String> pieces, int last) {
        int n = 0;
        for (int i = 0; i <= last; i++) {
            n += pieces.get(i).length();
        }
        return n;
    }

    /** One policy to replay: its registered name and parameter values. */
    public record PolicyRun(String policy, Map<String, ?> params) {}

    /**
     * Runs every replay under FullKV, query-agnostic and query-aware compression.
     *
     * @param progress  receives the share done after each replay
     * @param cancelled checked before each replay's modes and turns (may be null)
     */
    public static Result run(BackendFactory backend, Model model, List<Replay> replays, String policy,
                             Map<String, ?> params, DecodeCap cap, Consumer<Double> progress, BooleanSupplier cancelled) {
        return run(backend, model, replays, List.of(new PolicyRun(policy, params)), cap, progress, cancelled).getFirst();
    }

    /**
     * Runs every replay under FullKV once, then under each policy's query-agnostic and query-aware compression: the
     * FullKV answers do not depend on the policy, so every result holds the same ones.
     *
     * @param progress  receives the share done after each replay
     * @param cancelled checked between modes and before every turn (may be null)
     * @return one result per policy, in order
     * @throws CancellationException once {@code cancelled} turns true
     */
    public static List<Result> run(BackendFactory backend, Model model, List<Replay> replays, List<PolicyRun> policies,
                                   DecodeCap cap, Consumer<Double> progress, BooleanSupplier cancelled) {
        BooleanSupplier stop = cancelled == null ? () -> false : cancelled;
        Tokenizer tok = model.tokenizer();
        List<List<TurnResult>> out = new ArrayList<>();
        policies.forEach(p -> out.add(new ArrayList<>()));
        int questions = replays.isEmpty() ? 0 : replays.get(0).needles().size();
        for (int r = 0; r < replays.size(); r++) {
            Replay replay = replays.get(r);
            Tokens tokens = tokens(tok, replay);
            int[] context = tokens.context();
            List<MultiQuestionReplay.Turn> turns = tokens.turns();
            int need = MultiQuestionReplay.length(context, turns);
            if (need > model.config().contextLength()) {
                throw new IllegalArgumentException("a replay of " + questions + " questions needs " + need
                        + " tokens; the model's context is " + model.config().contextLength() + " (ask fewer questions)");
            }
            List<MultiQuestionReplay.Answer> full = MultiQuestionReplay.run(backend, model, () -> null, Mode.FULL_KV,
                    cap, context, turns, stop);
            for (int p = 0; p < policies.size(); p++) {
                PolicyRun policy = policies.get(p);
                Map<Mode, List<MultiQuestionReplay.Answer>> byMode = new LinkedHashMap<>();
                byMode.put(Mode.FULL_KV, full);
                for (Mode m : List.of(Mode.QUERY_AGNOSTIC, Mode.QUERY_AWARE)) {
                    byMode.put(m, MultiQuestionReplay.run(backend, model,
                            () -> PolicyRegistry.create(policy.policy(), policy.params()), m, cap, context, turns, stop));
                }
                for (int q = 0; q < turns.size(); q++) {
                    Map<Mode, MultiQuestionReplay.Answer> answers = new LinkedHashMap<>();
                    for (Mode m : Mode.values()) {
                        answers.put(m, byMode.get(m).get(q));
                    }
                    NeedleCase c = replay.needles().get(q);
                    out.get(p).add(new TurnResult(r, q, c.templateId(), c.answer(), answers));
                }
            }
            if (progress != null) {
                progress.accept((r + 1.0) / replays.size());
            }
        }
        return out.stream().map(turns -> new Result(questions, List.copyOf(turns))).toList();
    }
}
