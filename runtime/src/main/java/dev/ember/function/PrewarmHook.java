package dev.ember.function;

/**
 * A custom step in a function's warm-up and unload, loaded with {@link java.util.ServiceLoader} from
 * {@code META-INF/services/dev.ember.function.PrewarmHook} on the class path. Hooks run on the function's
 * device worker thread, in class-path order; {@code beforeWarm} and {@code afterWarm} failures fail the
 * warm-up (the function becomes FAILED with the hook's message), {@code beforeDrain} failures are logged.
 *
 * <pre>{@code
 * public final class LogWarmups implements PrewarmHook {
 *   public void afterWarm(WarmContext c) { System.out.println(c.function() + " is warm"); }
 * }
 * }</pre>
 */
public interface PrewarmHook {
  /** Before the model is loaded. */
  default void beforeWarm(WarmContext context) throws Exception {}

  /** After the model is loaded and before the function turns WARM (e.g. warm-up prompts, pinned prefixes). */
  default void afterWarm(WarmContext context) throws Exception {}

  /** Before an idle or deleted function frees its memory. */
  default void beforeDrain(WarmContext context) throws Exception {}
}
