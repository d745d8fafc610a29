package dev.ember.cluster.internal;

import dev.ember.function.DemoFunction;
import dev.ember.function.FunctionManifest;

/** The embedded demo function under another name, and token-id prompts of a chosen length for it. */
final class DemoPrompts {
  private DemoPrompts() {}

  /** The demo function's manifest deployed as {@code name} (its own Kafka topics too). */
  static FunctionManifest demoNamed(String name) {
    FunctionManifest d = DemoFunction.manifest();
    return new FunctionManifest(name, d.model(), d.device(), d.engine(), d.limits(), d.scaling(), d.prewarm(),
        FunctionManifest.Kafka.defaults(name));
  }

  /** {@code length} token ids {@code first + (i * step) % 40}: different first/step give different prompts. */
  static int[] prompt(int length, int first, int step) {
    int[] ids = new int[length];
    for (int i = 0; i < length; i++) {
      ids[i] = first + (i * step) % 40;
    }
    return ids;
  }
}
