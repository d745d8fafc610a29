package dev.ember.cli;

import dev.ember.kernels.EmberNative;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --isa}: runs a benchmark on one kernel variant instead of the best this CPU supports, so that
 * e.g. the AVX2 kernels most x86 servers run are measured on an AVX-512 machine too.
 *
 * <pre>{@code ember bench latency --model m.gguf --isa avx2}</pre>
 */
final class KernelIsaOptions {
  /** The variant names the native library knows. */
  static final String NAMES = "scalar, avx2, avx2-vnni, avx512, avx512-bf16, neon, neon-dotprod, neon-mmla";

  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  @Option(names = "--isa", paramLabel = "VARIANT",
      description = "Kernel variant: " + NAMES + " (default: the best this CPU supports).")
  String isa;

  /**
   * Forces the chosen variant for this process; without {@code --isa}, does nothing. A name the library
   * does not know, or a variant this CPU cannot run, is a usage error naming the reason (e.g. the CPU
   * features it lacks).
   */
  void apply() {
    if (isa == null) {
      return;
    }
    if (EmberNative.ember_force_isa(isa) != 0) {
      throw new ParameterException(spec.commandLine(),
          "--isa " + isa + ": " + EmberNative.ember_last_error() + " (variants: " + NAMES + ")");
    }
  }
}
