package org.kvscope.tensor;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class on the exact float kernels and returns to the native ones after it: for tests that
 * hold results to float references or recorded digests (the native kernels round decode inputs to 8 bits;
 * NativeKernelsTest and ForwardParityTest bound them).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ExactKernels.Switch.class)
public @interface ExactKernels {
    /** Switches before the class's own {@code @BeforeAll} methods and back after its {@code @AfterAll} ones. */
    final class Switch implements BeforeAllCallback, AfterAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            NativeKernels.use("java");
        }

        @Override
        public void afterAll(ExtensionContext context) {
            NativeKernels.use("native");
        }
    }
}
