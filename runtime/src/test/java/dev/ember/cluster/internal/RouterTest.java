package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.cluster.RoutingPolicy;
import dev.ember.function.FunctionState;
import dev.ember.kv.KvEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouterTest {
  private static Candidate engine(String name, FunctionState state, int active, int overlap) {
    return engine(name, state, active, overlap, 0);
  }

  private static Candidate engine(String name, FunctionState state, int active, int overlap, int recent) {
    return new Candidate(new EngineId(name, "f"), name, name.equals("local"), state, active, overlap,
        name.equals("local") ? null : "127.0.0.1:1", recent);
  }

  private static final FunctionState WARM = FunctionState.WARM;
  private static final FunctionState COLD = FunctionState.COLD;

  static Stream<Arguments> cacheAwareChoices() {
    return Stream.of(
        Arguments.of("the engine caching the prefix wins",
            List.of(engine("a", WARM, 0, 0), engine("b", WARM, 10, 40), engine("c", WARM, 0, 2)), "b"),
        Arguments.of("load outweighs a small overlap",
            List.of(engine("a", WARM, 0, 0), engine("b", WARM, 60, 5)), "a"),
        Arguments.of("cost = promptBlocks - overlap + queued: 50-30+25=45 beats 50-0+0=50",
            List.of(engine("a", WARM, 0, 0), engine("b", WARM, 25, 30)), "b"),
        Arguments.of("a COLD engine with the whole prefix loses to a WARM one without it",
            List.of(engine("a", WARM, 30, 0), engine("b", COLD, 0, 50)), "a"),
        Arguments.of("when every engine is COLD, the one caching most of the prompt is woken",
            List.of(engine("a", COLD, 0, 5), engine("b", COLD, 0, 40), engine("c", COLD, 0, 0)), "b"),
        Arguments.of("the guard trips (max - min > 64, max > 1.5 min): least loaded, despite the cache",
            List.of(engine("a", WARM, 10, 0), engine("b", WARM, 100, 50)), "a"),
        Arguments.of("a gap of 64 does not trip the guard: the cost decides (100-block prompt: a = 130, b = 94)",
            List.of(engine("a", WARM, 30, 0), engine("b", WARM, 94, 100)), "b"),
        Arguments.of("a gap of 65 trips it",
            List.of(engine("a", WARM, 30, 0), engine("b", WARM, 95, 100)), "a"),
        Arguments.of("the guard takes out only the engine beyond its bound: the cost picks among the rest (b: 0+40 < a: 50+0)",
            List.of(engine("a", WARM, 0, 0), engine("b", WARM, 40, 50), engine("c", WARM, 200, 50)), "b"),
        Arguments.of("bound max(100 + 64, 1.5 * 100) = 164: c (170) is out, b (140) stays and its cache wins (140 < 50+100)",
            List.of(engine("a", WARM, 100, 0), engine("b", WARM, 140, 50), engine("c", WARM, 170, 50)), "b"),
        Arguments.of("a large but proportionally small gap does not trip the guard",
            List.of(engine("a", WARM, 200, 0), engine("b", WARM, 290, 50)), "a"),
        Arguments.of("ties go to the local engine",
            List.of(engine("b", WARM, 0, 0), engine("local", WARM, 0, 0)), "local"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cacheAwareChoices")
  void cacheAwareRouting(String why, List<Candidate> candidates, String expected) {
    int promptBlocks = Math.max(50, candidates.stream().mapToInt(Candidate::overlapBlocks).max().orElse(0));
    assertEquals(expected, new Router(RoutingPolicy.CACHE_AWARE, 1.0).order(candidates, promptBlocks).get(0).replica());
  }

  @Test
  void theOrderIsTheRetryOrder() {
    List<Candidate> order = new Router(RoutingPolicy.CACHE_AWARE, 1.0).order(
        List.of(engine("a", COLD, 0, 0), engine("b", WARM, 0, 10), engine("c", WARM, 0, 20)), 50);
    assertEquals(List.of("c", "b", "a"), order.stream().map(Candidate::replica).toList());
  }

  @Test
  void engineBeyondTheGuardsBoundComesLastInTheRetryOrder() {
    List<Candidate> order = new Router(RoutingPolicy.CACHE_AWARE, 1.0).order(
        List.of(engine("a", WARM, 0, 0), engine("b", WARM, 40, 50), engine("c", WARM, 200, 50)), 50);
    assertEquals(List.of("b", "a", "c"), order.stream().map(Candidate::replica).toList());
  }

  @Test
  void guardBoundIsTheLeastWarmLoadPlusTheAbsoluteGapOrTimesTheRelativeOne() {
    assertEquals(64, Router.loadCap(List.of(engine("a", WARM, 0, 0), engine("b", WARM, 65, 0))));
    assertEquals(Integer.MAX_VALUE, Router.loadCap(List.of(engine("a", WARM, 0, 0), engine("b", WARM, 64, 0))));
    assertEquals(300, Router.loadCap(List.of(engine("a", WARM, 200, 0), engine("b", WARM, 301, 0))));
    assertEquals(Integer.MAX_VALUE, Router.loadCap(List.of(engine("a", WARM, 200, 0), engine("b", WARM, 300, 0))));
    assertEquals(Integer.MAX_VALUE, Router.loadCap(List.of(engine("a", WARM, 0, 0), engine("b", COLD, 500, 0))),
        "only WARM loads count");
  }

  @Test
  void theShareGuardKeepsNewPrefixesOffTheEngineServingMoreThanItsShareButNotItsHits() {
    Router router = new Router(RoutingPolicy.CACHE_AWARE, 2.0);
    // c admitted 30 of the last requests against a mean of 15 (cap max(15 + 4, 1.25 * 15) = 19): a prompt no
    // engine caches goes to the least loaded of the others although c is idle; c ends the retry order.
    List<Candidate> miss = List.of(engine("a", WARM, 10, 0, 8), engine("b", WARM, 5, 0, 7),
        engine("c", WARM, 0, 0, 30));
    assertEquals(List.of("b", "a", "c"), router.order(miss, 50).stream().map(Candidate::replica).toList());
    // A prompt c caches is still c's.
    List<Candidate> hit = List.of(engine("a", WARM, 10, 0, 8), engine("b", WARM, 5, 0, 7),
        engine("c", WARM, 0, 40, 30));
    assertEquals("c", router.order(hit, 50).get(0).replica());
    // Within its share, the idle engine takes the new prefix.
    List<Candidate> balanced = List.of(engine("a", WARM, 10, 0, 14), engine("b", WARM, 5, 0, 13),
        engine("c", WARM, 0, 0, 18));
    assertEquals("c", router.order(balanced, 50).get(0).replica());
  }

  @Test
  void shareBoundIsTheMeanWarmRecentRequestsPlusTheAbsoluteGapOrTimesTheRelativeOne() {
    assertEquals(19, Router.shareCap(List.of(engine("a", WARM, 0, 0, 8), engine("b", WARM, 0, 0, 7),
        engine("c", WARM, 0, 0, 30))));
    assertEquals(Integer.MAX_VALUE, Router.shareCap(List.of(engine("a", WARM, 0, 0, 0), engine("b", WARM, 0, 0, 0),
        engine("c", WARM, 0, 0, 6))), "mean 2: bound 6, not exceeded");
    assertEquals(6, Router.shareCap(List.of(engine("a", WARM, 0, 0, 0), engine("b", WARM, 0, 0, 0),
        engine("c", WARM, 0, 0, 7))), "mean 2.33: bound 6");
    assertEquals(125, Router.shareCap(List.of(engine("a", WARM, 0, 0, 70), engine("b", WARM, 0, 0, 130))),
        "mean 100: 1.25 x 100 beyond 100 + 4");
    assertEquals(Integer.MAX_VALUE, Router.shareCap(List.of(engine("a", WARM, 0, 0, 0), engine("b", COLD, 0, 0, 90))),
        "only WARM engines count");
  }

  @Test
  void leastLoadedIgnoresTheCache() {
    assertEquals("a", new Router(RoutingPolicy.LEAST_LOADED, 1.0).order(
        List.of(engine("a", WARM, 5, 0), engine("b", WARM, 6, 50)), 50).get(0).replica());
  }

  @Test
  void roundRobinTakesEachWarmEngineInTurn() {
    Router r = new Router(RoutingPolicy.ROUND_ROBIN, 1.0);
    List<Candidate> c = List.of(engine("a", WARM, 0, 0), engine("b", WARM, 0, 50), engine("c", WARM, 0, 0),
        engine("d", COLD, 0, 0));
    List<String> firsts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      firsts.add(r.order(c, 50).get(0).replica());
    }
    assertEquals(List.of("a", "b", "c", "a", "b", "c"), firsts);
  }

  static Stream<Arguments> indexedDecisions() {
    List<Arguments> out = new ArrayList<>();
    for (RoutingPolicy policy : RoutingPolicy.values()) {
      for (double weight : new double[] {1.0, 0.5, 3.0}) {
        out.add(Arguments.of(policy, weight));
      }
    }
    return out.stream();
  }

  /**
   * Reading overlaps from the index only as far as the decision needs gives the very order that every
   * overlap read in full gives: random fleets with shared prefixes of any length, holes in the cached
   * runs, engines the index does not know, mixed states and loads, fleets of a few engines and of over a
   * thousand (more than the bits of the router's sketch of the holders).
   */
  @ParameterizedTest(name = "{0}, weight {1}")
  @MethodSource("indexedDecisions")
  void readingTheIndexLazilyChoosesAsReadingItInFull(RoutingPolicy policy, double weight) {
    SplittableRandom random = new SplittableRandom(42);
    for (int trial = 0; trial < 300; trial++) {
      long[] prompt = random.longs(1 + random.nextInt(60)).toArray();
      PrefixIndex index = new PrefixIndex();
      List<Candidate> lazy = new ArrayList<>();
      List<Candidate> exact = new ArrayList<>();
      // Some fleets larger than the router's 1,024-bit sketch of the holders, so non-holders share holders' bits.
      int engines = trial % 30 == 0 ? 1_200 + random.nextInt(400) : 1 + random.nextInt(40);
      for (int e = 0; e < engines; e++) {
        String name = e == 0 ? "local" : "r" + e;
        FunctionState state = random.nextInt(5) == 0 ? COLD : random.nextInt(8) == 0 ? FunctionState.WARMING : WARM;
        int load = random.nextInt(4) == 0 ? random.nextInt(3) : random.nextInt(120);
        int recent = random.nextInt(3) == 0 ? random.nextInt(60) : random.nextInt(12);
        Candidate c = engine(name, state, load, 0, recent);
        if (random.nextInt(6) != 0) {
          EngineBlocks blocks = index.engine(c.engine());
          int shared = random.nextInt(prompt.length + 1);
          if (shared > 0) {
            blocks.apply(List.of(new KvEvent.BlockStored(Arrays.copyOf(prompt, shared), null, new int[0], 16)));
          }
          blocks.apply(List.of(new KvEvent.BlockStored(random.longs(20).toArray(), null, new int[0], 16)));
          if (shared > 2 && random.nextInt(4) == 0) {
            blocks.apply(List.of(new KvEvent.BlockRemoved(new long[] {prompt[random.nextInt(shared)]})));
          }
        }
        lazy.add(c);
        exact.add(c.withOverlap(index.overlap(c.engine(), prompt)));
      }
      List<Candidate> fromIndex = new Router(policy, weight).order(lazy, prompt, index);
      List<Candidate> inFull = new Router(policy, weight).order(exact, prompt.length);
      assertEquals(inFull, fromIndex, "trial " + trial);
    }
  }
}
