package dev.ember.function;

import dev.ember.function.FunctionManifest.EngineSettings;
import dev.ember.function.FunctionManifest.Limits;

/**
 * The embedded demo function ({@code functions/demo.yaml}, which a test keeps equal to this): the demo
 * model with settings sized for it, served by {@code ember serve} when no model is named.
 *
 * <pre>{@code registry.deploy(DemoFunction.manifest()); }</pre>
 */
public final class DemoFunction {
  public static final String NAME = "demo";

  private DemoFunction() {}

  public static FunctionManifest manifest() {
    return FunctionManifest.of(NAME, FunctionManifest.ModelSpec.EMBEDDED_DEMO, null)
        .withEngine(new EngineSettings(2048, 16, 512, EngineSettings.DEFAULT_BLOCK_SIZE, 16L << 20,
            EngineSettings.DEFAULT_THREADS, EngineSettings.DEFAULT_ENABLE_PREFIX_CACHING))
        .withLimits(new Limits(64, 1024));
  }
}
