package dev.ember.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kv.KvCacheManager;
import dev.ember.kv.KvCacheOptions;
import dev.ember.kv.KvSequence;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The step budget and the long-prefill cap, on a real KV manager with sequences stepped by hand. */
class SchedulerTest {
  private static final int BLOCK = 16;
  private long arrivals;

  private Sequence sequence(int promptLength, SplittableRandom r) {
    return new Sequence(new KvSequence(r.ints(promptLength, 0, 50_000).toArray(), null), promptLength, arrivals++, 0);
  }

  /** Steps until {@code s} has computed its whole prompt; returns each step's scheduled tokens by sequence. */
  private static List<List<Integer>> stepUntilPrefilled(Scheduler scheduler, List<Sequence> order, Sequence s) {
    List<List<Integer>> steps = new ArrayList<>();
    while (s.kv().numComputedTokens() < s.promptLength()) {
      ScheduledBatch b = scheduler.schedule();
      List<Integer> step = new ArrayList<>();
      for (Sequence q : order) {
        int n = 0;
        for (int i = 0; i < b.size(); i++) {
          if (b.sequence(i) == q) {
            n = b.numNewTokens(i);
          }
        }
        step.add(n);
      }
      List<Sequence> sampled = new ArrayList<>();
      for (int i = 0; i < b.size(); i++) {
        if (b.needsLogits(i)) {
          sampled.add(b.sequence(i));
        }
      }
      scheduler.commit(b);
      sampled.forEach(q -> q.kv().appendToken(7));
      steps.add(step);
      assertTrue(steps.size() < 100, () -> "no progress: " + steps.subList(0, 5));
    }
    return steps;
  }

  private static Scheduler scheduler(int budget, int threshold) {
    KvCacheManager kv = new KvCacheManager(KvCacheOptions.defaults(256).withBlockSize(BLOCK));
    return new Scheduler(new SchedulerOptions(8, budget, 4096, SchedulerOptions.Policy.FCFS, threshold), kv);
  }

  /**
   * A 20-token sequence prefilled and decoding, then a 600-token prompt and a 20-token one queued behind
   * it: {decoding, long, short}.
   */
  private List<Sequence> decodingThenLongAndShort(Scheduler scheduler) {
    SplittableRandom r = new SplittableRandom(1);
    Sequence running = sequence(20, r);
    scheduler.add(running);
    assertEquals(List.of(List.of(20)), stepUntilPrefilled(scheduler, List.of(running), running),
        "a prompt under the budget and the cap is computed in one step");
    List<Sequence> all = List.of(running, sequence(600, r), sequence(20, r));
    scheduler.add(all.get(1));
    scheduler.add(all.get(2));
    return all;
  }

  @Test
  void withoutTheCapAShortPromptWaitsForTheLongPrefillAheadOfIt() {
    Scheduler scheduler = scheduler(256, 0);
    List<Sequence> all = decodingThenLongAndShort(scheduler);
    // the decode takes 1 of each step's 256 tokens, the long prompt the other 255 until it is done
    assertEquals(List.of(List.of(1, 255, 0), List.of(1, 255, 0), List.of(1, 90, 20)),
        stepUntilPrefilled(scheduler, all, all.get(2)));
  }

  @Test
  void theCapLetsAShortPromptJoinTheLongPrefillsFirstStep() {
    Scheduler scheduler = scheduler(256, 64);
    List<Sequence> all = decodingThenLongAndShort(scheduler);
    assertEquals(List.of(List.of(1, 64, 20)), stepUntilPrefilled(scheduler, all, all.get(2)));
    List<List<Integer>> rest = stepUntilPrefilled(scheduler, all, all.get(1));
    int computed = 64;
    for (List<Integer> step : rest) {
      assertEquals(1, step.get(0), "the decode runs every step");
      assertEquals(1, step.get(2), "so does the short one's, now that its prompt is done");
      assertTrue(step.get(1) <= 64, "no chunk above the cap: " + rest);
      computed += step.get(1);
    }
    assertEquals(600, computed, "the chunks add up to the prompt");
    assertEquals(9, rest.size(), "ceil(600 / 64) chunks in all");
  }

  @Test
  void underTheCapLongPromptsKeepTheirOrderWhileAShortOnePassesTheSecond() {
    SplittableRandom r = new SplittableRandom(3);
    Scheduler scheduler = scheduler(256, 64);
    List<Sequence> all = List.of(sequence(300, r), sequence(300, r), sequence(20, r));
    all.forEach(scheduler::add);
    // the second long prompt starts in the first one's last chunk; the short one starts at once
    assertEquals(List.of(List.of(64, 0, 20), List.of(64, 0, 1), List.of(64, 0, 1), List.of(64, 0, 1),
        List.of(44, 64, 1)), stepUntilPrefilled(scheduler, all, all.get(0)));
    List<List<Integer>> rest = stepUntilPrefilled(scheduler, all, all.get(1));
    assertEquals(List.of(64, 64, 64, 44), rest.stream().map(step -> step.get(1)).toList());
    assertEquals(List.of(1, 1, 1, 1), rest.stream().map(step -> step.get(0)).toList(), "the first one decodes");
  }

  @Test
  void theBudgetStillBindsBelowTheCap() {
    SplittableRandom r = new SplittableRandom(2);
    Scheduler scheduler = scheduler(48, 64);
    Sequence a = sequence(100, r);
    Sequence b = sequence(30, r);
    scheduler.add(a);
    scheduler.add(b);
    assertEquals(List.of(List.of(48, 0), List.of(48, 0), List.of(4, 30)),
        stepUntilPrefilled(scheduler, List.of(a, b), b));
  }

  @Test
  void aNegativeCapIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SchedulerOptions(8, 256, 4096, SchedulerOptions.Policy.FCFS, -1));
    assertEquals("longPrefillTokenThreshold must be >= 0, got -1", e.getMessage());
    assertEquals(64, SchedulerOptions.defaults(4096).withLongPrefillTokenThreshold(64).longPrefillTokenThreshold());
  }
}
