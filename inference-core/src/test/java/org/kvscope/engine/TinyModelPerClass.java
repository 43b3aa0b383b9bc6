package org.kvscope.engine;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.model.Model;

/** A test class whose tests share one {@link TinyModel}, written to a temporary folder before them and closed after. */
abstract class TinyModelPerClass {
    @TempDir
    static Path dir;
    static Model model;

    @BeforeAll
    static void loadTinyModel() throws Exception {
        model = TinyModel.load(dir);
    }

    @AfterAll
    static void closeTinyModel() {
        model.close();
    }
}
