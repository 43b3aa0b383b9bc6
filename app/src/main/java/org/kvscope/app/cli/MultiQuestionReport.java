package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kvscope.app.eval.MultiQuestionRun;
import org.kvscope.app.report.ReportFiles;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.MultiQuestionReplay.Mode;
import org.kvscope.model.Model;
import org.kvscope.prompts.SuiteDescriptor;

/** {@code needle --questions M}: the multi-question replay report (JSON and CSV). */
final class MultiQuestionReport {
    private MultiQuestionReport() {}

    static int run(Args a, PrintStream out, PrintStream err, Model model, BackendFactory backend, SuiteDescriptor suite,
                   String policy, Map<String, String> params, DecodeCap cap, int questions, int replays)
            throws java.io.IOException {
        List<MultiQuestionRun.Replay> list;
        try {
            list = MultiQuestionRun.replays(model, suite, questions, replays);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--questions: " + e.getMessage());
        }
        PolicyChecks.forBudgetRatio(policy, params, list.stream().mapToInt(r -> model.tokenizer()
                .encodeWithSpecials(r.context()).length).min().orElse(0), "the shortest replay's context");
        MultiQuestionRun.Result r;
        try (Progress progress = Progress.start(a, err, "multi-question " + suite.id(), replays, "replays")) {
            r = MultiQuestionRun.run(backend, model, list, policy, params, cap, p -> progress.step(policy), null);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--questions: " + e.getMessage());
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("suite", suite.id());
        report.put("policy", policy);
        report.put("parameters", PolicyOptions.create(policy, params).parameters().asMap());
        report.put("decodeCap", cap.id());
        report.put("questions", questions);
        report.put("replays", replays);
        Map<String, Object> accuracy = new LinkedHashMap<>();
        Map<String, Object> byTurn = new LinkedHashMap<>();
        for (Mode m : Mode.values()) {
            accuracy.put(m.id(), r.accuracy(m));
            byTurn.put(m.id(), r.accuracyByTurn(m));
        }
        report.put("accuracy", accuracy);
        report.put("accuracyByTurn", byTurn);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<List<Object>> csv = new ArrayList<>();
        for (MultiQuestionRun.TurnResult t : r.turns()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("replay", t.replay());
            row.put("turn", t.turn());
            row.put("template", t.template());
            row.put("answer", t.answer());
            List<Object> line = new ArrayList<>(List.of(t.replay(), t.turn(), t.template(), t.answer()));
            for (Mode m : Mode.values()) {
                var ans = t.answers().get(m);
                row.put(m.id(), Map.of("success", ans.success(), "answerLogProb", ans.answerLogProb(),
                        "greedy", model.tokenizer().decode(ans.greedy())));
                line.add(ans.success());
                line.add(ans.answerLogProb());
            }
            rows.add(row);
            csv.add(line);
        }
        report.put("turns", rows);
        OutputOptions.writeReport(a, out, ReportFiles.json(report), List.of("replay", "turn", "template", "answer",
                "fullkv_success", "fullkv_answer_logprob", "query_agnostic_success", "query_agnostic_answer_logprob",
                "query_aware_success", "query_aware_answer_logprob"), csv);
        err.printf("accuracy: FullKV %.3f, query-agnostic %.3f, query-aware %.3f (%d replays × %d questions)%n",
                r.accuracy(Mode.FULL_KV), r.accuracy(Mode.QUERY_AGNOSTIC), r.accuracy(Mode.QUERY_AWARE), replays,
                questions);
        return 0;
    }
}
