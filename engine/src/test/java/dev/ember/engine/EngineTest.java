package dev.ember.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.sample.FinishReason;
import dev.ember.sample.SamplingParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The engine end to end on a real (tiny, random-weight) model: outputs, invariances and resource release. */
class EngineTest {
  static final int[] PROMPT = new SplittableRandom(11).ints(37, 0, 1000).toArray();

  static int[] randomPrompt(SplittableRandom r, int len) {
    return r.ints(len, 0, 1000).toArray();
  }

  static int[] greedyAlone(int n) throws IOException {
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), true)) {
      String id = f.submit(PROMPT, EngineFixture.greedy(n));
      f.runToCompletion();
      return f.tokens(id, 0);
    }
  }

  @Test
  void aClosedEngineRefusesSubmissionsInsteadOfQueueingThemForever() throws IOException {
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), true)) {
      f.engine.close();
      EngineClosedException e = assertThrows(EngineClosedException.class,
          () -> f.submit(PROMPT, EngineFixture.greedy(4)));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
      assertFalse(f.engine.hasWork(), "nothing was queued");
    }
  }

  @Test
  void greedyOutputIsTheSameInsideABusyBatch() throws IOException {
    int[] alone = greedyAlone(24);
    assertEquals(24, alone.length);
    try (EngineFixture f = new EngineFixture(256, EngineFixture.scheduler(16, 96), true)) {
      SplittableRandom r = new SplittableRandom(5);
      for (int i = 0; i < 7; i++) {
        f.submit(randomPrompt(r, 5 + r.nextInt(60)), EngineFixture.greedy(10 + r.nextInt(30)));
      }
      String id = f.submit(PROMPT, EngineFixture.greedy(24));
      for (int i = 0; i < 7; i++) {
        f.submit(randomPrompt(r, 5 + r.nextInt(60)), EngineFixture.greedy(10 + r.nextInt(30)));
      }
      f.runToCompletion();
      assertArrayEquals(alone, f.tokens(id, 0));
    }
  }

  @Test
  void greedyOutputIsTheSameWhenTheLongPrefillCapSplitsPrompts() throws IOException {
    int[] alone = greedyAlone(16);
    try (EngineFixture f = new EngineFixture(256, EngineFixture.scheduler(16, 96).withLongPrefillTokenThreshold(5),
        true)) {
      SplittableRandom r = new SplittableRandom(6);
      f.submit(randomPrompt(r, 60), EngineFixture.greedy(12));
      String id = f.submit(PROMPT, EngineFixture.greedy(16));
      f.submit(randomPrompt(r, 3), EngineFixture.greedy(12));
      f.runToCompletion();
      assertArrayEquals(alone, f.tokens(id, 0), "the 37-token prompt in chunks of at most 5 tokens");
    }
  }

  @Test
  void greedyOutputIsTheSameWithAndWithoutPrefixCaching() throws IOException {
    int[] alone = greedyAlone(20);
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), true)) {
      String first = f.submit(PROMPT, EngineFixture.greedy(20));
      f.runToCompletion();
      String second = f.submit(PROMPT, EngineFixture.greedy(20));
      f.runToCompletion();
      assertArrayEquals(alone, f.tokens(first, 0));
      assertArrayEquals(alone, f.tokens(second, 0));
      assertEquals(0, f.last(first).usage().cachedTokens());
      assertEquals(32, f.last(second).usage().cachedTokens(), "two full 16-token blocks of the 37-token prompt");
      assertTrue(f.engine.stats().prefixCacheHits() >= 32);
    }
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), false)) {
      f.submit(PROMPT, EngineFixture.greedy(20));
      f.runToCompletion();
      String again = f.submit(PROMPT, EngineFixture.greedy(20));
      f.runToCompletion();
      assertArrayEquals(alone, f.tokens(again, 0));
      assertEquals(0, f.last(again).usage().cachedTokens());
    }
  }

  @Test
  void greedyOutputIsTheSameWhenPreemptedAndRecomputed() throws IOException {
    int[] alone = greedyAlone(40);
    // 12 usable blocks (192 slots) for 6 requests of ~77 tokens each: preemption is unavoidable
    try (EngineFixture f = new EngineFixture(13, new dev.ember.sched.SchedulerOptions(8, 64, 180,
        dev.ember.sched.SchedulerOptions.Policy.FCFS), true)) {
      String id = f.submit(PROMPT, EngineFixture.greedy(40));
      SplittableRandom r = new SplittableRandom(9);
      for (int i = 0; i < 5; i++) {
        f.submit(randomPrompt(r, 37), EngineFixture.greedy(40));
      }
      f.runToCompletion();
      assertTrue(f.engine.stats().preemptions() > 0, "the pool is small enough to force preemption");
      assertArrayEquals(alone, f.tokens(id, 0));
      assertEquals(12, f.engine.stats().freeBlocks(), "every block free afterwards");
    }
  }

  @Test
  void thousandsOfRandomRequestsWithCancellationsLeaveEveryBlockFree() throws IOException {
    SplittableRandom r = new SplittableRandom(2024);
    try (EngineFixture f = new EngineFixture(41, new dev.ember.sched.SchedulerOptions(12, 48, 320,
        dev.ember.sched.SchedulerOptions.Policy.PRIORITY), true)) {
      List<String> ids = new ArrayList<>();
      List<String> cancelled = new ArrayList<>();
      int shared = 0;
      int[] prefix = randomPrompt(r, 48);
      for (int wave = 0; wave < 100; wave++) {
        for (int i = 0; i < 20; i++) {
          int len = 1 + r.nextInt(90);
          int[] prompt = randomPrompt(r, len);
          if (r.nextInt(4) == 0) {
            System.arraycopy(prefix, 0, prompt, 0, Math.min(len, prefix.length));
            shared++;
          }
          SamplingParams p = SamplingParams.builder().temperature(r.nextInt(2)).seed((long) i)
              .maxTokens(1 + r.nextInt(24)).n(r.nextInt(8) == 0 ? 2 : 1).ignoreEos(r.nextBoolean()).build();
          ids.add(f.submit(prompt, p, r.nextInt(3) == 0 ? "tenant-" + r.nextInt(2) : null, r.nextInt(3)));
        }
        for (int s = 0; s < 6; s++) {
          f.engine.step();
          if (r.nextInt(3) == 0) {
            String victim = ids.get(r.nextInt(ids.size()));
            f.engine.cancel(victim);
            cancelled.add(victim);
          }
        }
      }
      f.runToCompletion();
      EngineStats st = f.engine.stats();
      assertEquals(40, st.freeBlocks(), "no block leaked");
      assertEquals(0, st.running());
      assertEquals(0, st.waiting());
      assertEquals(ids.size(), st.requestsFinished());
      assertTrue(st.preemptions() > 0, "preemptions happened");
      assertTrue(st.prefixCacheHits() > 0, "shared prefixes hit the cache (" + shared + " sharing)");
      for (String id : ids) {
        List<RequestOutput> outs = f.outputs.get(id);
        assertEquals(1, outs.stream().filter(RequestOutput::requestFinished).count(), id + " finished exactly once");
        assertTrue(outs.get(outs.size() - 1).requestFinished(), id + " ends with its final event");
      }
      assertTrue(cancelled.stream().anyMatch(id -> f.last(id).finishReason() == FinishReason.ABORT));
    }
  }

  @Test
  void aSeededRequestDrawsTheSameTokensAloneAndInABatch() throws IOException {
    SamplingParams p = SamplingParams.builder().temperature(1.0).topP(0.95).seed(42L).maxTokens(16).ignoreEos(true).build();
    int[] alone;
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), true)) {
      String id = f.submit(PROMPT, p);
      f.runToCompletion();
      alone = f.tokens(id, 0);
    }
    try (EngineFixture f = new EngineFixture(128, EngineFixture.scheduler(8, 256), true)) {
      SplittableRandom r = new SplittableRandom(3);
      f.submit(randomPrompt(r, 20), SamplingParams.builder().temperature(0.8).maxTokens(30).build());
      String id = f.submit(PROMPT, p);
      f.submit(randomPrompt(r, 50), SamplingParams.builder().temperature(1.2).maxTokens(12).build());
      f.runToCompletion();
      assertArrayEquals(alone, f.tokens(id, 0));
    }
  }

  @Test
  void nSamplesShareThePromptAndFinishEach() throws IOException {
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), true)) {
      SamplingParams p = SamplingParams.builder().n(3).temperature(1.0).seed(7L).maxTokens(12).ignoreEos(true).build();
      String id = f.submit(PROMPT, p);
      f.engine.step();  // the prompt step: sequence 0 forks two siblings that share its full blocks
      assertEquals(3, f.engine.stats().running());
      assertTrue(f.engine.stats().freeBlocks() >= 63 - 3 - 2 * 1, "siblings share the two full prompt blocks");
      f.runToCompletion();
      RequestOutput last = f.last(id);
      assertEquals(36, last.usage().completionTokens());
      assertEquals(37, last.usage().promptTokens());
      for (int i = 0; i < 3; i++) {
        assertEquals(12, f.tokens(id, i).length, "sequence " + i);
      }
      assertFalse(java.util.Arrays.equals(f.tokens(id, 0), f.tokens(id, 1)), "siblings sample independently");
      assertEquals(63, f.engine.stats().freeBlocks());
    }
  }

  @Test
  void aStopStringEndsTheTextBeforeIt() throws IOException {
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), true)) {
      String full = f.submit(PROMPT, EngineFixture.greedy(30));
      f.runToCompletion();
      String text = f.text(full, 0);
      assertTrue(text.length() > 12, text);
      String stop = text.substring(6, 9);
      String expected = text.substring(0, text.indexOf(stop));
      String id = f.submit(PROMPT, SamplingParams.builder().temperature(0).maxTokens(30).ignoreEos(true).stop(stop).build());
      f.runToCompletion();
      assertEquals(expected, f.text(id, 0));
      assertEquals(FinishReason.STOP, f.last(id).finishReason());
      assertEquals(stop, f.last(id).stopReason());
    }
  }

  @Test
  void logprobsComeWithTheRequestedAlternatives() throws IOException {
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), true)) {
      String id = f.submit(PROMPT, SamplingParams.builder().temperature(0).maxTokens(5).logprobs(5).ignoreEos(true).build());
      f.runToCompletion();
      for (RequestOutput o : f.outputs.get(id)) {
        if (o.tokenId() < 0) {
          continue;
        }
        TokenLogprobs lp = o.logprobs();
        assertNotNull(lp);
        assertEquals(5, lp.topIds().length);
        assertEquals(o.tokenId(), lp.topIds()[0], "greedy picks the most likely token");
        for (int i = 1; i < 5; i++) {
          assertTrue(lp.topLogprobs()[i] <= lp.topLogprobs()[i - 1]);
        }
        assertTrue(lp.logprob() <= 0);
      }
    }
  }

  @Test
  void aPromptLongerThanTheContextIsRejectedWithTheCounts() throws IOException {
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), true)) {
      PromptTooLongException e = assertThrows(PromptTooLongException.class,
          () -> f.submit(new int[600], EngineFixture.greedy(10)));
      assertTrue(e.getMessage().contains("512") && e.getMessage().contains("600"), e.getMessage());
      PromptTooLongException e2 = assertThrows(PromptTooLongException.class,
          () -> f.submit(new int[500], EngineFixture.greedy(20)));
      assertTrue(e2.getMessage().contains("520"), e2.getMessage());
      assertThrows(IllegalArgumentException.class, () -> f.submit(new int[] {f.vocab()}, EngineFixture.greedy(1)));
    }
  }

  @Test
  void cancellingMidGenerationAbortsAndFreesItsBlocks() throws IOException {
    try (EngineFixture f = new EngineFixture(64, EngineFixture.scheduler(8, 256), true)) {
      String id = f.submit(PROMPT, EngineFixture.greedy(200));
      for (int i = 0; i < 5; i++) {
        f.engine.step();
      }
      assertTrue(f.engine.stats().freeBlocks() < 63);
      f.engine.cancel(id);
      f.runToCompletion();
      assertEquals(FinishReason.ABORT, f.last(id).finishReason());
      assertTrue(f.last(id).requestFinished());
      assertEquals(63, f.engine.stats().freeBlocks());
    }
  }
}
