package dev.ember.runner;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one {@link NativeModel#load} went, for cold-start metrics and tests: its timed phases in order
 * ({@code hash} of the sources' identity, {@code convert} when tensors were converted, {@code read} when
 * the weight cache file was checked, {@code map}: mapping and handing tensors to the native model), how
 * many tensors it converted, and the weight cache file it used.
 *
 * <pre>{@code model.loadReport().phases().forEach((phase, ns) -> metrics.record(phase, ns)); }</pre>
 *
 * @param phases phase name to nanoseconds, in order
 * @param convertedTensors tensors converted by this load (0 when everything came from the cache or in place)
 * @param cacheFile the converted-weights file mapped, or null when none was used
 * @param cacheHit whether that file was already valid (nothing converted)
 */
public record LoadReport(Map<String, Long> phases, int convertedTensors, Path cacheFile, boolean cacheHit) {
  public LoadReport {
    phases = Collections.unmodifiableMap(new LinkedHashMap<>(phases));
  }
}
