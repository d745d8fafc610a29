package dev.ember.worker;

import dev.ember.engine.Engine;
import dev.ember.engine.EngineRequest;
import dev.ember.function.FunctionManifest;
import dev.ember.function.WarmContext;
import dev.ember.sample.SamplingParams;
import dev.ember.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** The {@link WarmContext} a device worker gives its prewarm hooks (valid on the worker thread only). */
final class HookContext implements WarmContext {
  private final FunctionManifest manifest;
  private final LoadedFunction loaded;
  private int warmups;

  HookContext(FunctionManifest manifest, LoadedFunction loaded) {
    this.manifest = manifest;
    this.loaded = loaded;
  }

  @Override
  public String function() {
    return manifest.name();
  }

  @Override
  public FunctionManifest manifest() {
    return manifest;
  }

  @Override
  public Engine engine() {
    return loaded == null ? null : loaded.engine();
  }

  @Override
  public Tokenizer tokenizer() {
    return loaded == null ? null : loaded.tokenizer();
  }

  @Override
  public String generate(String prompt, int maxTokens) {
    if (loaded == null) {
      throw new IllegalStateException("no model is loaded yet (beforeWarm)");
    }
    Tokenizer t = loaded.tokenizer();
    int[] ids = t.chatTemplate()
        .map(c -> t.encode(c.render(List.of(Map.of("role", "user", "content", prompt)), true), false))
        .orElseGet(() -> t.encode(prompt, true));
    StringBuilder text = new StringBuilder();
    AtomicBoolean done = new AtomicBoolean();
    loaded.engine().submit(new EngineRequest("warmup-" + manifest.name() + "-" + (++warmups), ids,
        SamplingParams.builder().temperature(0).maxTokens(maxTokens).build(), null, 0, out -> {
          text.append(out.text());
          if (out.requestFinished()) {
            done.set(true);
          }
        }));
    while (!done.get()) {
      loaded.engine().step();
    }
    return text.toString();
  }
}
