package dev.ember.coldstart;

import dev.ember.engine.Engine;
import java.io.IOException;

/**
 * Moves an engine's cached KV blocks to and from somewhere outside it, so a cold start can begin with a
 * warm prefix cache (the idea of vLLM's KV connector). The engine only lends its blocks
 * ({@link Engine#exportKvBlocks}, {@link Engine#importKvBlocks}); where they go and in what format is the
 * connector's. Both methods run on the engine's step thread between steps.
 *
 * <pre>{@code
 * KvConnector c = new PrefixSnapshotConnector(file, modelKey);
 * c.load(engine);                 // on warm-up
 * c.save(engine, 256L << 20);     // on unload
 * }</pre>
 */
public interface KvConnector {
  /** Saves the engine's hottest cached prefixes, at most {@code budgetBytes} of K/V. */
  PrefixSnapshot.Summary save(Engine engine, long budgetBytes) throws IOException;

  /**
   * Loads previously saved blocks into the engine as cached free blocks, so matching prompts hit the
   * prefix cache at once. Throws {@link SnapshotMismatchException} for blocks of other weights, seed or
   * block layout.
   */
  PrefixSnapshot.Summary load(Engine engine) throws IOException;
}
