package org.kvscope.kv.spi;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyParameters;

/**
 * A {@link PolicyProvider} from its four parts, for the common case of one policy class:
 * <pre>{@code
 * public final class Provider extends SimplePolicyProvider {
 *     public Provider() { super("my-policy", "what it keeps", MyPolicy::specs, MyPolicy::new); }
 * }}</pre>
 */
public abstract class SimplePolicyProvider implements PolicyProvider {
    private final String name;
    private final String description;
    private final Supplier<List<ParameterSpec>> specs;
    private final Function<PolicyParameters, CompressionPolicy> factory;

    protected SimplePolicyProvider(String name, String description, Supplier<List<ParameterSpec>> specs,
                                   Function<PolicyParameters, CompressionPolicy> factory) {
        this.name = name;
        this.description = description;
        this.specs = specs;
        this.factory = factory;
    }

    @Override public final String name() { return name; }

    @Override public final String description() { return description; }

    @Override public final List<ParameterSpec> parameters() { return specs.get(); }

    @Override public final CompressionPolicy create(PolicyParameters params) { return factory.apply(params); }
}
