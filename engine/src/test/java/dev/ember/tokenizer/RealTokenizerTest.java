package dev.ember.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The published Qwen3 and DeepSeek-V3 tokenizers load offline and behave as in transformers. */
class RealTokenizerTest {

  static final List<String> TEXTS = List.of(
      "Hello world",
      "The quick brown fox jumps over the lazy dog.  Twice!\n\nNew paragraph\twith a tab.",
      "def add(a, b):\n    return a + b  # sum\n\nfor (int i = 0; i < n; ++i) { x[i] *= 2; }",
      "今天天气很好，我们去公园散步吧。東京の朝はとても静かです。",
      "Emoji: 🙂👍🏽 🇯🇵 👨‍👩‍👧 ❤️ and accents: café, naïve, Zürich, crème brûlée",
      "Numbers 3.14159, 1,234,567 and 2024-11-07");

  private static Tokenizer qwen3;
  private static Tokenizer deepseek;

  @BeforeAll
  static void load() throws IOException {
    qwen3 = Tokenizer.load(TokenizerFixtures.dir("qwen3"));
    deepseek = Tokenizer.load(TokenizerFixtures.dir("deepseek_v3"));
  }

  @AfterAll
  static void close() {
    qwen3.close();
    deepseek.close();
  }

  @Test
  void djlRunsOffline() {
    assertEquals("true", System.getProperty("ai.djl.offline"));
  }

  @Test
  void qwen3VocabularyAndSpecialTokens() {
    assertEquals(151669, qwen3.vocabSize());
    assertEquals(OptionalInt.of(151643), qwen3.tokenId("<|endoftext|>"));
    assertEquals(OptionalInt.of(151644), qwen3.tokenId("<|im_start|>"));
    assertEquals(OptionalInt.of(151645), qwen3.eosTokenId());
    assertEquals(OptionalInt.empty(), qwen3.bosTokenId());
    assertTrue(qwen3.isSpecial(151645));
    assertFalse(qwen3.isSpecial(qwen3.tokenId("<think>").getAsInt()), "<think> is an added, non-special token");
    assertFalse(qwen3.isSpecial(9707));
  }

  @Test
  void qwen3EncodesKnownIdsWithoutBos() {
    assertArrayEquals(new int[] {9707, 1879}, qwen3.encode("Hello world"));
  }

  @Test
  void deepseekVocabularyAndBos() {
    assertEquals(128815, deepseek.vocabSize());
    assertEquals(OptionalInt.of(0), deepseek.bosTokenId());
    assertEquals(OptionalInt.of(1), deepseek.eosTokenId());
    assertArrayEquals(new int[] {0, 19923, 2058}, deepseek.encode("Hello world"));
    assertArrayEquals(new int[] {19923, 2058}, deepseek.encode("Hello world", false));
  }

  @Test
  void specialTokensInTextMapToSingleIds() {
    int[] ids = qwen3.encode("<|im_start|>user\nHi<|im_end|>\n<think>", false);
    assertEquals(151644, ids[0]);
    assertTrue(contains(ids, 151645));
    assertEquals(qwen3.tokenId("<think>").getAsInt(), ids[ids.length - 1]);
    int[] ds = deepseek.encode("<｜User｜>Hi<｜Assistant｜>", false);
    assertEquals(128803, ds[0]);
    assertEquals(128804, ds[ds.length - 1]);
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen3", "deepseek_v3"})
  void roundTripsEnglishCodeCjkAndEmoji(String name) {
    Tokenizer t = "qwen3".equals(name) ? qwen3 : deepseek;
    for (String text : TEXTS) {
      assertEquals(text, t.decode(t.encode(text, false), false), name);
    }
  }

  @Test
  void decodeSkipsSpecialTokensOnRequest() {
    int[] ids = qwen3.encode("<|im_start|>assistant\nHi<|im_end|>", false);
    assertEquals("assistant\nHi", qwen3.decode(ids, true));
    assertEquals("<|im_start|>assistant\nHi<|im_end|>", qwen3.decode(ids, false));
  }

  @Test
  void longTextsAreNotTruncated() {
    String text = "lorem ipsum dolor sit amet ".repeat(2000);
    int[] ids = qwen3.encode(text, false);
    assertTrue(ids.length > 4000, "got " + ids.length);
    assertEquals(text, qwen3.decode(ids, false));
  }

  @Test
  void chatTemplateComesFromTokenizerConfig() {
    String prompt = deepseek.chatTemplate().orElseThrow()
        .render(List.of(Map.of("role", "user", "content", "Hi")), true);
    assertEquals("<｜begin▁of▁sentence｜><｜User｜>Hi<｜Assistant｜>", prompt);
    assertArrayEquals(new int[] {0, 128803}, java.util.Arrays.copyOf(deepseek.encode(prompt, false), 2));
  }

  private static boolean contains(int[] ids, int id) {
    for (int i : ids) {
      if (i == id) {
        return true;
      }
    }
    return false;
  }
}
