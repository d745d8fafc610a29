package dev.ember.kernels;

import static dev.ember.kernels.EmberNative.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The forward through the JavaCPP binding: the equivalences the scheduler relies on, and no leaks. */
class ForwardBindingTest {
  private static final int BLOCK = 16;

  private static int[] prompt(int n, long seed) {
    Random r = new Random(seed);
    int[] t = new int[n];
    for (int i = 0; i < n; i++) t[i] = r.nextInt(TinyNativeModel.VOCAB);
    return t;
  }

  private static int[] inOrder(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    return order;
  }

  private static int[] shuffled(int n, long seed) {
    int[] order = inOrder(n);
    Random r = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1), x = order[i];
      order[i] = order[j];
      order[j] = x;
    }
    return order;
  }

  private static StepRunner runner(TinyNativeModel m, int blocks, int[] order) {
    long kv = ember_kv_new(m.model(), blocks, BLOCK, EMBER_F16);
    assertNotEquals(0, kv, ember_last_error());
    return new StepRunner(m.model(), kv, BLOCK, order);
  }

  private static void assertRowsClose(float[][] expected, int from, float[][] actual, int count) {
    for (int r = 0; r < count; r++) assertArrayEquals(expected[from + r], actual[r], 1e-4f, "row " + r);
  }

  @Test
  void batchOfThreePromptsEqualsEachPromptAlone() {
    try (TinyNativeModel m = new TinyNativeModel(1, 2, 64)) {
      int[][] prompts = {prompt(5, 1), prompt(18, 2), prompt(1, 3)};
      float[][] batch;
      try (StepRunner r = runner(m, 8, shuffled(8, 4))) {
        batch = r.run(prompts, new int[] {0, 1, 2});
      }
      int offset = 0;
      for (int[] p : prompts) {
        try (StepRunner r = runner(m, 4, inOrder(4))) {
          float[][] alone = r.run(new int[][] {p}, new int[] {0});
          float[][] part = java.util.Arrays.copyOfRange(batch, offset, offset + p.length);
          assertRowsClose(alone, 0, part, p.length);
        }
        offset += p.length;
      }
    }
  }

  @Test
  void prefillInTwoChunksEqualsPrefillInOne() {
    try (TinyNativeModel m = new TinyNativeModel(2, 2, 64)) {
      int[] p = prompt(23, 5);
      float[][] whole, first, second;
      try (StepRunner r = runner(m, 4, inOrder(4))) {
        whole = r.run(new int[][] {p}, new int[] {0});
      }
      try (StepRunner r = runner(m, 4, inOrder(4))) {
        first = r.run(new int[][] {java.util.Arrays.copyOfRange(p, 0, 9)}, new int[] {0});
        second = r.run(new int[][] {java.util.Arrays.copyOfRange(p, 9, 23)}, new int[] {0});
      }
      assertRowsClose(whole, 0, first, 9);
      assertRowsClose(whole, 9, second, 14);
    }
  }

  @Test
  void scatteredBlockTablesEqualContiguousOnes() {
    try (TinyNativeModel m = new TinyNativeModel(3, 2, 64)) {
      int[] p = prompt(40, 6);
      float[][] contiguous, scattered;
      try (StepRunner r = runner(m, 9, inOrder(9))) {
        contiguous = r.run(new int[][] {p}, new int[] {0});
      }
      try (StepRunner r = runner(m, 9, shuffled(9, 7))) {
        scattered = r.run(new int[][] {p}, new int[] {0});
      }
      assertRowsClose(contiguous, 0, scattered, p.length);
    }
  }

  @Test
  void modelAndCacheFreeAllNativeMemory() {
    long before = ember_allocated_bytes();
    try (TinyNativeModel m = new TinyNativeModel(4, 2, 16)) {
      long kv = ember_kv_new(m.model(), 4, BLOCK, EMBER_F16);
      long expected = ember_model_scratch_bytes(m.model()) + 4 * ember_kv_block_bytes(m.config(), BLOCK, EMBER_F16);
      assertTrue(ember_model_scratch_bytes(m.model()) > 0);
      assertEquals(before + expected, ember_allocated_bytes());
      try (StepRunner r = new StepRunner(m.model(), kv, BLOCK, inOrder(4))) {
        r.run(new int[][] {prompt(7, 8)}, new int[] {0});
      }
    }
    assertEquals(before, ember_allocated_bytes());
  }
}
