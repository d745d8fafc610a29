package dev.ember.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.sample.FinishReason;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Pinned prefixes against the KV cache: pins that leave no room for a maxModelLen sequence fail the
 * warm-up, and a request that can never get its blocks is answered with an error instead of waiting
 * forever at the head of the queue. The pool has 40 blocks of 16 tokens (39 usable) and maxModelLen 512.
 */
class PinBudgetTest {
  private static final int BLOCKS = 40;
  private static final int STEPS = 1_000;

  private static int[] prompt(long seed, int len) {
    return new SplittableRandom(seed).ints(len, 0, 1000).toArray();
  }

  /** Steps at most STEPS times; true when the engine ran out of work. */
  private static boolean stepUntilIdle(EngineFixture f) {
    for (int i = 0; i < STEPS; i++) {
      if (!f.engine.step()) {
        return true;
      }
    }
    return !f.engine.hasWork();
  }

  @Test
  void aRequestThatCanNeverFitBesideThePinnedBlocksIsAnsweredWithAnError() throws IOException {
    try (EngineFixture f = new EngineFixture(BLOCKS, EngineFixture.scheduler(8, 256), true)) {
      // 30 blocks pinned through the engine's own API, leaving 9 blocks (144 tokens).
      var pinned = f.engine.pinPrefix(prompt(1, 30 * 16), null);
      assertTrue(stepUntilIdle(f));
      assertEquals(30 * 16, pinned.join());
      String id = f.submit(prompt(2, 200), EngineFixture.greedy(4));
      assertTrue(stepUntilIdle(f), "the request that needs 13 blocks ends instead of waiting forever");
      RequestOutput last = f.last(id);
      assertEquals(FinishReason.ABORT, last.finishReason());
      assertNotNull(last.error());
      assertTrue(last.error().contains("never be scheduled") && last.error().contains("30 hold pinned"), last.error());
      // A request that fits beside the pins still runs.
      String small = f.submit(prompt(3, 40), EngineFixture.greedy(4));
      assertTrue(stepUntilIdle(f));
      assertEquals(FinishReason.LENGTH, f.last(small).finishReason());
      assertEquals(4, f.tokens(small, 0).length);
    }
  }

  @Test
  void pinningMoreThanTheBudgetFailsTheWarmUpAndUnpins() throws IOException {
    try (EngineFixture f = new EngineFixture(BLOCKS, EngineFixture.scheduler(8, 256), true)) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> EngineWarmup.pinPrefixes(f.engine, List.of(prompt(1, 20 * 16), prompt(4, 10 * 16))));
      assertTrue(e.getMessage().contains("pinned prefixes hold 30") && e.getMessage().contains("maxModelLen 512"),
          e.getMessage());
      assertEquals(0, f.engine.pinnedBlocks());
      assertFalse(f.engine.hasWork());
    }
  }

  @Test
  void pinsWithinTheBudgetAreKept() throws IOException {
    try (EngineFixture f = new EngineFixture(BLOCKS, EngineFixture.scheduler(8, 256), true)) {
      assertEquals(6 * 16, EngineWarmup.pinPrefixes(f.engine, List.of(prompt(1, 6 * 16))));
      assertEquals(6, f.engine.pinnedBlocks());
    }
  }
}
