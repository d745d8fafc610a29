package dev.ember.function;

import dev.ember.coldstart.ColdStartOptions;
import java.time.Duration;

/**
 * How functions on this replica are loaded: the time limit of each load phase (a phase over it fails
 * the load, so a stuck read never holds a deploy or a delete), and the prefix-snapshot settings.
 *
 * <pre>{@code new FunctionLoadOptions(Duration.ofMinutes(10), ColdStartOptions.defaults()) }</pre>
 *
 * @param phaseTimeout {@value #PHASE_TIMEOUT_DOC}
 * @param coldStart prefix snapshots: on or off, budget, directory and its bounds
 */
public record FunctionLoadOptions(Duration phaseTimeout, ColdStartOptions coldStart) {
  public static final Duration DEFAULT_PHASE_TIMEOUT = Duration.ofMinutes(10);
  public static final String PHASE_TIMEOUT_DOC = "Longest one load phase (open files, map or convert weights,"
      + " allocate, restore, hooks) may take; past it the load fails and the function is FAILED.";

  public FunctionLoadOptions {
    if (phaseTimeout.isNegative() || phaseTimeout.isZero()) {
      throw new IllegalArgumentException("phaseTimeout must be > 0, got " + phaseTimeout);
    }
    if (coldStart == null) {
      throw new IllegalArgumentException("coldStart must be given");
    }
  }

  public static FunctionLoadOptions defaults() {
    return new FunctionLoadOptions(DEFAULT_PHASE_TIMEOUT, ColdStartOptions.defaults());
  }

  public FunctionLoadOptions withPhaseTimeout(Duration d) {
    return new FunctionLoadOptions(d, coldStart);
  }

  public FunctionLoadOptions withColdStart(ColdStartOptions c) {
    return new FunctionLoadOptions(phaseTimeout, c);
  }
}
