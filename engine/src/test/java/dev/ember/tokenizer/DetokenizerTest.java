package dev.ember.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Streaming decode yields exactly the full decode, piece by piece, never half a character. */
class DetokenizerTest {

  private static final List<String> TEXTS = List.of(
      "Emoji 🙂👍🏽🇯🇵👨‍👩‍👧 end",
      "中文测试：今天天气很好。日本語のテキスト。한국어 문장.",
      "Accents: café naïve jalapeño façade Zürich smörgåsbord",
      "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math 𝛼𝛽𝛾 and rare CJK 𠜎𠜱𠝹",
      "<|im_start|>assistant\nplain ascii<|im_end|>");

  private static Tokenizer qwen3;
  private static Tokenizer deepseek;
  private static Tokenizer trained;

  @BeforeAll
  static void load() throws IOException {
    qwen3 = Tokenizer.load(TokenizerFixtures.dir("qwen3"));
    deepseek = Tokenizer.load(TokenizerFixtures.dir("deepseek_v3"));
    trained = Tokenizer.fromVocabulary(VocabularyTrainer.train(1024));
  }

  @AfterAll
  static void close() {
    qwen3.close();
    deepseek.close();
    trained.close();
  }

  static Stream<Arguments> cases() {
    return Stream.of("qwen3", "deepseek", "trained").flatMap(t ->
        TEXTS.stream().flatMap(text -> Stream.of(Arguments.of(t, text, true), Arguments.of(t, text, false))));
  }

  @ParameterizedTest(name = "{0} skip={2}: {1}")
  @MethodSource("cases")
  void pushedPiecesConcatenateToTheFullDecode(String name, String text, boolean skipSpecial) {
    Tokenizer t = switch (name) {
      case "qwen3" -> qwen3;
      case "deepseek" -> deepseek;
      default -> trained;
    };
    int[] ids = t.encode(text, false);
    Detokenizer d = t.newDetokenizer(skipSpecial);
    StringBuilder streamed = new StringBuilder();
    for (int id : ids) {
      String piece = d.push(id);
      assertFalse(piece.contains("\uFFFD"), "replacement character in piece of " + text);
      streamed.append(piece);
    }
    streamed.append(d.flush());
    assertEquals(t.decode(ids, skipSpecial), streamed.toString());
  }

  @Test
  void holdsBackASplitCharacterUntilItCompletes() {
    // Byte-level tokens for the single bytes of "é" (C3 A9): the first alone is half a character.
    int first = trained.tokenId("Ã").getAsInt();
    int second = trained.tokenId("©").getAsInt();
    Detokenizer d = trained.newDetokenizer(true);
    assertEquals("", d.push(first));
    assertEquals("é", d.push(second));
    assertEquals("", d.flush());
  }

  @Test
  void flushEmitsAnUnfinishedCharacterAsReplacement() {
    Detokenizer d = trained.newDetokenizer(true);
    assertEquals("", d.push(trained.tokenId("Ã").getAsInt()));
    assertEquals("\uFFFD", d.flush());
  }
}
