package dev.ember.tokenizer.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Closing a tokenizer while another thread encodes waits for that call instead of freeing under it. */
class NativeTokenizerCloseTest {

  private static String qwen3Json() throws IOException {
    try (InputStream in = NativeTokenizerCloseTest.class.getResourceAsStream("/tokenizers/qwen3/tokenizer.json.gz");
        InputStream gz = new GZIPInputStream(in)) {
      return new String(gz.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  @Test
  void closeWaitsForAnEncodeInFlightAndLaterCallsFailWithAClearError() throws Exception {
    String json = qwen3Json();
    // Long enough that the encode is still running when close is called (hundreds of milliseconds).
    String text = "The quick brown fox jumps over the lazy dog, twice; 3.14159 and 東京の朝. ".repeat(8_000);
    long[] expected;
    try (NativeTokenizer reference = NativeTokenizer.fromJson(json)) {
      expected = reference.encode(text, false);
    }
    NativeTokenizer tokenizer = NativeTokenizer.fromJson(json);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<long[]> encoding = CompletableFuture.supplyAsync(() -> tokenizer.encode(text, false), pool);
      await("the encode is in flight", () -> tokenizer.callsInFlight() == 1 || encoding.isDone());
      assertTrue(!encoding.isDone(), "the encode should still run when close is called");
      Thread closer = new Thread(tokenizer::close, "closer");
      closer.start();
      await("close is waiting or done", () -> closer.getState() == Thread.State.WAITING || !closer.isAlive());
      if (!closer.isAlive()) {
        assertTrue(encoding.isDone(), "close returned (and freed the tokenizer) while an encode was using it");
      }
      assertArrayEquals(expected, encoding.get(30, TimeUnit.SECONDS));
      closer.join(TimeUnit.SECONDS.toMillis(30));
      assertTrue(!closer.isAlive(), "close finishes once the encode is done");
      assertEquals(0, tokenizer.callsInFlight());
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> tokenizer.encode("hi", false));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> tokenizer.decode(new long[] {1, 2}, false));
      tokenizer.close();
    } finally {
      pool.shutdownNow();
    }
  }
}
